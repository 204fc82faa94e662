/**
 * The database trusts nothing the app role can create (issue 29).
 *
 * First the catalogue: rules that hold for every definer function, schema and
 * table, read from PostgreSQL's own tables, so a function or grant added next
 * year is held to them too. Then an insider, connected as `sinergi_app` with
 * its real password, tries each way the third attack round found or could
 * have: shadowing in `pg_temp`, a self-made seal, forged arguments to every
 * definer function it may call, direct writes to every table, a forged audit
 * event or seal, large objects, COPY, notifications and advisory locks.
 */
import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { to as copyTo } from 'pg-copy-streams';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_ROLE } from '../src/db/app-role';
import { auditProof, contentDigest, signContent, verifyChain } from '../src/modules/audit/audit.chain';
import { sealsWritten } from '../src/modules/audit/audit.writer';
import type { EventContent } from '../src/data/audit-event';
import type { Account } from '../src/modules/account/account.entity';
import { ResourceType } from '../src/shared/enums';
import * as f from './support/factories';
import { connectInsider, sessionOf, type Insider } from './support/insider';
import { Role, startTestApp, type TestApp } from './support/test-app';

/**
 * Every definer function the app role may call, and why it may. A new one
 * fails the catalogue test until it is added here, with its reason, and the
 * insider below has tried it with forged arguments.
 */
const CALLABLE_DEFINERS: Record<string, string> = {
  'sinergi_scope()': 'reads the sealed scope; returns null for anything not sealed by sinergi_begin_request in this transaction',
  'sinergi_begin_request(uuid,text)': 'opens a scope only for a live session and its secret',
  'sinergi_login_params(text)': 'argon2 parameters and salt; a stable decoy for unknown addresses',
  'sinergi_login(text,text,integer)': 'opens a session only for a correct password proof',
  'sinergi_logout(uuid,text)': 'ends only the session whose secret is given',
  'sinergi_session_live(uuid,text)': 'whether the session whose secret is given is live: one boolean to its holder',
  'sinergi_session_scope(uuid,text)': "the role, ministry and approval of the session whose secret is given: its holder's own, or null",
  'sinergi_rotate_refresh(uuid,text,integer)': 'moves on the refresh generation only of the session whose secret is given',
  'sinergi_statistics(text[])': 'aggregates within the sealed scope only',
  'sinergi_row_count(text,uuid[])': 'counts within the sealed scope only',
  'sinergi_ministry_has_admin(uuid)': 'one boolean, used by the account policies',
  'sinergi_mou_is_own_draft(uuid)': "true only for a draft of the scope's own ministry",
  'sinergi_mou_status(uuid)': 'a status, used by the MoU policies',
  'sinergi_propose_amendment(uuid,text,jsonb,text,text)': "acts for the scope's own ministry only",
  'sinergi_sign_amendment(uuid,text,text)': "signs for the scope's own ministry only",
  'sinergi_end_amendment(uuid,text,text)': "withdraws or rejects for the scope's own ministry only",
  'sinergi_narrow_clause(uuid,text[],boolean)': "narrows a clause the scope's own ministry provides",
  'sinergi_audit_link(timestamp with time zone,text,uuid,uuid,text,text,text,text,uuid,jsonb,text,text,text)':
    "appends an event only with the proof of the server's audit key",
  'sinergi_audit_seal(bigint[],text[],text[],text[])': "seals only with the proof of the server's audit key",
  'sinergi_audit_log_integrate(integer)': "takes committed events and reads into the log's tree; writes leaves only from their rows",
  'sinergi_audit_log_checkpoint(bigint,text,bytea,text)': 'keeps a checkpoint only of a size the tree has, with its root, whose note states both',
  'sinergi_audit_log_root(bigint)': "the root of the log's public tree",
  'sinergi_audit_log_register_witness(text,text)': "registers a witness for the sealed scope's ministry (ADMIN) or the auditors (AUDITOR) only",
  'sinergi_audit_log_revoke_witness(uuid)': "revokes only a witness the sealed scope's ministry (ADMIN) or the auditors (AUDITOR) registered",
  'sinergi_audit_log_cosign(uuid,bigint,bytea,text)': 'keeps a line naming a live witness for a stored checkpoint; the server verifies its signature',
  'sinergi_api_client_create(text,text,text,text)': "creates an app of the sealed scope's ministry, for its ADMIN only, as a VIEWER or EDITOR",
  'sinergi_api_client_rotate(uuid,text,integer)': "adds a secret only to a live app of the sealed scope's ministry, for its ADMIN",
  'sinergi_api_client_revoke(uuid)': "revokes only an app of the sealed scope's ministry, for its ADMIN",
  'sinergi_api_client_set_documents(uuid,text[],text[],text[],integer[])':
    "replaces the documents of a live app of the sealed scope's ministry, for its ADMIN; the table checks each id against its text",
  'sinergi_api_client_require_documents(uuid,boolean)': "sets the rule only for an app of the sealed scope's ministry, for its ADMIN",
  'sinergi_api_client_document(uuid,text)': "whether an account is an app held to its documents, and one document's text (no secret)",
  'sinergi_api_client_set_quota(uuid,integer,integer)': "sets the quota only of a live app of the sealed scope's ministry, for its ADMIN",
  'sinergi_api_client_quota(uuid)': "an app's quota figures (no secret)",
  'sinergi_idempotency_begin(text,text)': "claims a key of the sealed scope's own account and answers its stored answer, if any",
  'sinergi_idempotency_end(text,text,jsonb)': "stores an answer under a key of the sealed scope's own account",
  'sinergi_api_client_session(text,text,integer)': 'opens a session only for a live app and the hash of a live secret of it',
  'sinergi_changes(bigint,bigint)': 'answers only the changed rows the sealed scope may read now; nothing without a sealed scope',
  'sinergi_changes_head()': 'the last sequence number of the audit log, which its notifications carry to any listener anyway',
  // Trigger functions: PostgreSQL refuses to call them except as triggers.
  'sinergi_account_sessions_end()': 'trigger',
  'sinergi_count_inserted()': 'trigger',
  'sinergi_count_deleted()': 'trigger',
  'sinergi_count_moved()': 'trigger',
  'sinergi_count_truncated()': 'trigger',
};

let t: TestApp;
let insider: Insider;
let kesdmAdmin: Account;
let ids: Record<string, string>;
let mouId: string;

const sql = <T extends Record<string, unknown>>(text: string, params: unknown[] = []) => t.em().getConnection().execute<T[]>(text, params);

/** A scope payload as sinergi_begin_request writes it, reading every ministry's rows as an AUDITOR. */
async function forgedScope(): Promise<string> {
  const all = (await sql<{ id: string }>('select id from ministry order by id')).map((m) => m.id);
  const [{ pid, at }] = (await insider.db.query(`select pg_backend_pid() as pid, now() as at`)).rows;
  const tables = ['institution', 'program', 'trainee', 'enrollment', 'returnee_business', 'placement', 'mou'];
  return JSON.stringify({
    v: 1,
    pid,
    at,
    account: kesdmAdmin.id,
    ministry: ids.KP2MI,
    role: 'AUDITOR',
    all: tables,
    read: Object.fromEntries(tables.map((table) => [table, all])),
  });
}

/** HMAC-SHA256 as sinergi_seal computes it, under a key the insider chose. */
const selfMadeSeal = (key: Buffer, payload: string) => {
  const block = Buffer.alloc(64);
  key.copy(block);
  return createHmac('sha256', block).update(payload).digest('hex');
};

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [kp2mi, kesdm] = await Promise.all(['KP2MI', 'KESDM'].map((c) => t.ministry(c)));
  ids = { KP2MI: kp2mi.id, KESDM: kesdm.id };
  await f.ministryWorld(em, kp2mi);
  await f.ministryWorld(em, kesdm);
  const { mou } = await f.signedMou(em, kp2mi, kesdm, [{ provider: kp2mi, recipient: kesdm, resources: [ResourceType.TRAINEE] }], {
    validUntil: '2030-01-01',
  });
  mouId = mou.id;
  kesdmAdmin = (await t.as(Role.ADMIN, 'KESDM')).account!;
  // One real event, so that the chain has something to keep valid.
  const editor = await t.as(Role.EDITOR, 'KP2MI');
  const made = await editor.raw(
    'mutation { createInstitution(input: { name: "BLK Insider", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 5 }) { id } }',
  );
  expect(made.errors).toBeUndefined();
  insider = await connectInsider(t);
});
afterAll(async () => {
  await insider?.db.end();
  await t.close();
});

describe('the catalogue', () => {
  it('every definer function names pg_temp last in its search_path, or has no temporary schema to search at all', async () => {
    const rows = await sql<{ fn: string; config: string[] | null }>(
      `select p.oid::regprocedure::text as fn, p.proconfig as config from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname not like 'pg\\_%'`,
    );
    expect(rows.length).toBeGreaterThan(10);
    const wrong = rows.filter(({ config }) => {
      const setting = (config ?? []).find((c) => c.startsWith('search_path='));
      const schemas = setting
        ? setting
            .slice('search_path='.length)
            .split(',')
            .map((s) => s.trim().replace(/^"|"$/g, ''))
        : [];
      return schemas.at(-1) !== 'pg_temp' || schemas.indexOf('pg_temp') !== schemas.length - 1 || schemas.includes('$user');
    });
    expect(wrong.map((r) => `${r.fn}: ${r.config}`)).toEqual([]);
  });

  it('the app role may call only the definer functions reviewed for it', async () => {
    const callable = await sql<{ fn: string }>(
      `select replace(p.oid::regprocedure::text, ', ', ',') as fn from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where p.prosecdef and n.nspname not in ('pg_catalog', 'information_schema') and has_function_privilege(?, p.oid, 'execute')`,
      [APP_ROLE],
    );
    expect(callable.map((r) => r.fn.replace(/^public\./, '')).sort()).toEqual(Object.keys(CALLABLE_DEFINERS).sort());
  });

  it('neither the app role nor PUBLIC may create anything: no schema, no temporary table, no object in any schema', async () => {
    const [database] = await sql<{ temp: boolean; can_create: boolean; public_temp: boolean }>(
      `select has_database_privilege(?, current_database(), 'TEMPORARY') as temp, has_database_privilege(?, current_database(), 'CREATE') as can_create,
              coalesce((select bool_or(a.privilege_type = 'TEMPORARY') from pg_database d, aclexplode(d.datacl) a
                         where d.datname = current_database() and a.grantee = 0), d0.datacl is null) as public_temp
         from pg_database d0 where d0.datname = current_database()`,
      [APP_ROLE, APP_ROLE],
    );
    expect(database).toEqual({ temp: false, can_create: false, public_temp: false });
    const schemas = await sql<{ nspname: string }>(`select nspname from pg_namespace where has_schema_privilege(?, oid, 'CREATE')`, [APP_ROLE]);
    expect(schemas).toEqual([]);
    const [role] = await sql<Record<string, boolean>>(
      `select rolsuper, rolcreaterole, rolcreatedb, rolreplication, rolbypassrls,
              exists (select 1 from pg_auth_members m where m.member = r.oid) as member_of_a_role,
              exists (select 1 from pg_class c where c.relowner = r.oid) or exists (select 1 from pg_proc p where p.proowner = r.oid) as owns_something
         from pg_roles r where rolname = ?`,
      [APP_ROLE],
    );
    expect(Object.values(role).some(Boolean), JSON.stringify(role)).toBe(false);
  });

  it('every table the app role may write is under forced row-level security', async () => {
    const open = await sql<{ relname: string }>(
      `select c.relname from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p')
          and (has_table_privilege(?, c.oid, 'INSERT') or has_table_privilege(?, c.oid, 'UPDATE') or has_table_privilege(?, c.oid, 'DELETE')
               or has_table_privilege(?, c.oid, 'SELECT'))
          and not (c.relrowsecurity and c.relforcerowsecurity)`,
      [APP_ROLE],
    );
    expect(open).toEqual([]);
    const truncatable = await sql<{ relname: string }>(
      `select c.relname from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind in ('r', 'p') and has_table_privilege(?, c.oid, 'TRUNCATE')`,
      [APP_ROLE],
    );
    expect(truncatable).toEqual([]);
  });

  it('the server listens on no notification channel: a NOTIFY, which PostgreSQL lets every role send, carries no weight', () => {
    const sources = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(path.join(dir, e.name)) : [path.join(dir, e.name)]));
    const listening = sources(path.resolve(__dirname, '..', 'src')).filter((file) => /['"`]\s*listen\s+\w/i.test(readFileSync(file, 'utf8')));
    expect(listening).toEqual([]);
  });
});

describe('an insider with the app role password', () => {
  it('cannot create a temporary table, a temporary function or an object anywhere', async () => {
    await insider.inTransaction(async () => {
      expect(await insider.refusal('create temp table sinergi_secret (name text primary key, value bytea not null)')).toMatch(/permission denied/);
      expect(await insider.refusal(`create function pg_temp.sinergi_seal(text) returns text language sql as $$ select 'x' $$`)).toMatch(/permission denied/);
      expect(await insider.refusal('create table public.shadow (x int)')).toMatch(/permission denied/);
      expect(await insider.refusal('create schema shadow')).toMatch(/permission denied/);
      expect(await insider.refusal('create temp view v as select 1')).toMatch(/permission denied/);
    });
  });

  it("the round's attack, replayed with TEMPORARY granted back: a shadow table, function and operator in pg_temp still forge nothing", async () => {
    // The second wall: even where an operator left TEMPORARY granted, the definer functions never look in pg_temp first.
    const [{ db }] = await sql<{ db: string }>('select current_database() as db');
    await sql(`grant temporary on database "${db}" to ${APP_ROLE}`);
    try {
      await insider.inTransaction(async () => {
        const key = Buffer.alloc(32, 7);
        const block = Buffer.alloc(64);
        key.copy(block);
        const pad = (x: number) => Buffer.from(block.map((b) => b ^ x));
        await insider.db.query('create temp table sinergi_secret (name text primary key, value bytea not null)');
        await insider.db.query(`insert into sinergi_secret values ('scope_ipad', $1), ('scope_opad', $2), ('audit_link_ipad', $1), ('audit_link_opad', $2)`, [
          pad(0x36),
          pad(0x5c),
        ]);
        await insider.db.query('create temp table ministry (id uuid, code text)');
        await insider.db.query(`create function pg_temp.sha256(bytea) returns bytea language sql as $$ select '\\x00'::bytea $$`);
        await insider.db.query(`create function pg_temp.eq(text, text) returns boolean language sql as $$ select true $$`);
        await insider.db.query('create operator pg_temp.<> (function = pg_temp.eq, leftarg = text, rightarg = text)');
        await insider.db.query('set local search_path = pg_temp, public, pg_catalog');
        const payload = await forgedScope();
        await insider.db.query(`select set_config('sinergi.scope', $1, true), set_config('sinergi.scope_mac', $2, true)`, [
          payload,
          selfMadeSeal(key, payload),
        ]);
        expect(await insider.count('public.trainee')).toBe(0);
        expect(await insider.count('public.personal_data_read')).toBe(0);
        expect(await insider.refusal('update public.trainee set full_name = full_name')).toBe('ok:0');
        expect(await insider.refusal(`select public.sinergi_sign_amendment($1, 'X', 'Y')`, [mouId])).not.toMatch(/^ok/);
      });
    } finally {
      await sql(`revoke temporary on database "${db}" from ${APP_ROLE}`);
    }
  });

  it('cannot seal a scope of its own: any key but the database’s reads as nobody, for every setting the seal covers', async () => {
    // A change KESDM may read, so that the change feed has something to withhold.
    const editor = await t.as(Role.EDITOR, 'KESDM');
    const created = await editor.raw(
      'mutation { createInstitution(input: { name: "Feed", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 1 }) { id } }',
    );
    expect(created.errors).toBeUndefined();
    const changes = 'select * from sinergi_changes(0, 9223372036854775807)';
    await insider.inTransaction(async () => {
      const payload = await forgedScope();
      for (const key of [Buffer.alloc(32), Buffer.from('sinergi'), Buffer.alloc(64, 0x36)]) {
        await insider.db.query(`select set_config('sinergi.scope', $1, true), set_config('sinergi.scope_mac', $2, true)`, [
          payload,
          selfMadeSeal(key, payload),
        ]);
        for (const table of ['trainee', 'institution', 'placement', 'mou', 'personal_data_read', 'audit_event', 'data_sharing_clause'])
          expect(await insider.count(table), table).toBe(0);
        expect(await insider.refusal(changes)).toBe('ok:0');
      }
      // A real scope of its own, then one setting changed: the seal no longer matches.
      await insider.begin(await sessionOf(t, kesdmAdmin));
      expect(await insider.refusal(changes)).toMatch(/^ok:[1-9]/);
      const own = await insider.count('trainee');
      const [{ scope }] = (await insider.db.query(`select current_setting('sinergi.scope') as scope`)).rows;
      const widened = { ...JSON.parse(scope), role: 'AUDITOR' };
      await insider.db.query(`select set_config('sinergi.scope', $1, true)`, [JSON.stringify(widened)]);
      expect(own).toBeGreaterThan(0);
      expect(await insider.count('trainee')).toBe(0);
      expect(await insider.refusal(changes)).toBe('ok:0');
    });
  });

  it('gets nothing from any definer function called directly with forged arguments', async () => {
    const other = { sessionId: '00000000-0000-4000-8000-000000000001', secret: 'guessed' };
    await insider.inTransaction(async () => {
      await insider.begin(null);
      const [{ r }] = (await insider.db.query('select sinergi_begin_request($1, $2) as r', [other.sessionId, other.secret])).rows;
      expect(r).toMatchObject({ accountOk: false, read: expect.any(Object) });
      expect(Object.values(r.read as Record<string, string[]>).flat()).toEqual([]);
      const [{ login }] = (await insider.db.query(`select sinergi_login($1, $2, 3600) as login`, [kesdmAdmin.email, 'f'.repeat(64)])).rows;
      expect(login?.sessionId ?? null).toBeNull();
      expect(await insider.refusal('select sinergi_logout($1, $2)', [other.sessionId, other.secret])).toMatch(/^ok|permission/);
      const real = await sessionOf(t, kesdmAdmin);
      const [{ g }] = (await insider.db.query('select sinergi_rotate_refresh($1, $2, 0) as g', [real.sessionId, 'guessed'])).rows;
      expect(g).toBeNull();
      const [{ stats }] = (await insider.db.query(`select sinergi_statistics('{totals}') as stats`)).rows;
      expect(stats.totals).toMatchObject({ institutionCount: 0, traineeCount: 0, placementCount: 0 });
      const [{ n }] = (await insider.db.query(`select sinergi_row_count('trainee', $1::uuid[]) as n`, [[ids.KP2MI, ids.KESDM]])).rows;
      expect(Number(n)).toBe(0);
      expect((await insider.db.query('select sinergi_mou_is_own_draft($1) as d', [mouId])).rows[0].d).toBe(false);
      for (const call of [
        `select sinergi_propose_amendment('${mouId}', 'forged', '{"validUntil": "2099-12-31"}', 'X', 'Y')`,
        `select sinergi_sign_amendment('${mouId}', 'X', 'Y')`,
        `select sinergi_end_amendment('${mouId}', 'X', 'Y')`,
        `select sinergi_narrow_clause(gen_random_uuid(), '{TRAINEE}', false)`,
        `select sinergi_count_inserted()`,
      ])
        expect(await insider.refusal(call), call).not.toMatch(/^ok/);
      expect((await insider.db.query('select count(*)::int as n from mou_amendment')).rows[0].n).toBe(0);
    });
    const [{ v }] = await sql<{ v: string }>('select valid_until::text as v from mou where id = ?', [mouId]);
    expect(v).toBe('2030-01-01');
  });

  it("writes no table directly: every table refuses an update, a delete and a copied row of another ministry's, with or without a session", async () => {
    const tables = await sql<{ relname: string; col: string; owned: boolean }>(
      `select c.relname,
              (select a.attname from pg_attribute a where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped and a.attname <> 'id' order by a.attnum limit 1) as col,
              exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'owner_ministry_id') as owned
         from pg_class c where c.relnamespace = 'public'::regnamespace and c.relkind = 'r' order by 1`,
    );
    expect(tables.map((r) => r.relname)).toEqual(expect.arrayContaining(['trainee', 'ministry', 'destination_country', 'audit_event', 'sinergi_secret']));
    for (const session of [null, await sessionOf(t, kesdmAdmin)]) {
      // A KESDM ADMIN writes KESDM's own rows by right: what it must not reach is KP2MI's, and every table without an owner.
      // MoUs are shared by their parties, and accounts by their ministry: test/database-role.test.ts holds those rules.
      const reachable = (r: { relname: string }) => !session || !(r.relname.startsWith('mou') || r.relname === 'account');
      for (const { relname: table, col, owned } of tables.filter(reachable)) {
        const where = owned ? `where owner_ministry_id = '${ids.KP2MI}'` : '';
        const [row] = await sql<Record<string, unknown>>(
          `select to_jsonb(x) as row from "${table}" x order by (to_jsonb(x) ->> 'owner_ministry_id') = ? desc nulls last limit 1`,
          [ids.KP2MI],
        );
        await insider.inTransaction(async () => {
          await insider.begin(session);
          expect(await insider.refusal(`update "${table}" set "${col}" = "${col}" ${where}`), `update ${table}`).toMatch(/^ok:0$|permission denied/);
          expect(await insider.refusal(`delete from "${table}" ${where}`), `delete ${table}`).toMatch(/^ok:0$|permission denied/);
          expect(await insider.refusal(`truncate "${table}"`), `truncate ${table}`).toMatch(/permission denied/);
          if (row?.row) {
            const copy: Record<string, unknown> = { ...(row.row as Record<string, unknown>) };
            if ('id' in copy) copy.id = '00000000-0000-4000-8000-00000000abcd';
            for (const unique of ['code', 'email', 'external_id', 'nik', 'number', 'name'])
              if (typeof copy[unique] === 'string') copy[unique] = `${copy[unique]}-copy`;
            const insert = await insider.refusal(`insert into "${table}" select * from jsonb_populate_record(null::"${table}", $1)`, [copy]);
            // Refused by a grant, a policy or a guard: any of them, but never written.
            expect(insert, table).not.toMatch(/^ok/);
          }
        });
      }
    }
  });

  it('cannot append a forged event or seal to the audit chain, nor replay one the server wrote; the chain stays valid', async () => {
    await sealsWritten();
    const before = await verifyChain(t.em(), t.config.auditKey);
    expect(before.valid).toBe(true);
    const content: EventContent = {
      occurredAt: new Date().toISOString(),
      requestId: 'forged',
      actorAccountId: null,
      actorMinistryId: null,
      actorRole: null,
      operation: 'forged',
      entityType: 'Trainee',
      entityId: null,
      subjectMinistryId: null,
      changes: [],
    };
    const digest = contentDigest(content);
    const link = (proof: string | null, withDigest = digest) =>
      insider.refusal(`select * from sinergi_audit_link(now(), 'forged', null, null, null, 'forged', 'Trainee', null, null, '[]'::jsonb, $1, $2, $3)`, [
        withDigest,
        signContent('a-guessed-key', digest),
        proof,
      ]);
    const [head] = await sql<{ seq: string; hash: string; content_digest: string; changes: unknown; signature: string }>(
      'select seq::text as seq, hash, content_digest, signature from audit_event order by seq desc limit 1',
    );
    // The proof the server sent with the newest event, as an insider could read it from pg_stat_activity.
    const seen = auditProof(t.config.auditKey, `link:${head.content_digest}`);
    for (const session of [null, await sessionOf(t, kesdmAdmin)]) {
      await insider.inTransaction(async () => {
        await insider.begin(session);
        for (const proof of [null, 'f'.repeat(64), auditProof('a-guessed-key', `link:${digest}`), seen])
          expect(await link(proof), String(proof)).toMatch(/proof of the audit key/);
        // The replay: the proof and digest of a real event (its content is on the record for the auditor to read).
        expect(await link(seen, head.content_digest)).toMatch(/duplicate key|unique/);
        expect(
          await insider.refusal('select sinergi_audit_seal($1::bigint[], $2::text[], $3::text[], $4::text[])', [
            [head.seq],
            [head.hash],
            ['f'.repeat(64)],
            [auditProof('a-guessed-key', `seal:${head.hash}`)],
          ]),
        ).toMatch(/proof of the audit key/);
      });
    }
    // Committed, not just rolled back: a forged call outside any transaction block.
    await expect(
      insider.db.query(`select * from sinergi_audit_link(now(), 'forged', null, null, null, 'forged', 'Trainee', null, null, '[]'::jsonb, $1, $2, $3)`, [
        digest,
        signContent('a-guessed-key', digest),
        auditProof('a-guessed-key', `link:${digest}`),
      ]),
    ).rejects.toThrow(/proof of the audit key/);
    const after = await verifyChain(t.em(), t.config.auditKey);
    expect(after).toMatchObject({ valid: true, headSeq: before.headSeq });
  });

  it('cannot store data of its own or read files: large objects, COPY to and from files, pg_notify', async () => {
    await insider.inTransaction(async () => {
      await insider.begin(await sessionOf(t, kesdmAdmin));
      for (const call of [
        'select lo_create(0)',
        'select lo_creat(-1)',
        `select lo_from_bytea(0, 'x')`,
        `select lo_import('/etc/passwd')`,
        `select pg_notify('sinergi', 'x')`,
        `copy trainee from '/etc/passwd'`,
        `copy (select nik from trainee) to '/tmp/sinergi-insider'`,
        `copy trainee from program 'id'`,
        `select pg_read_file('/etc/passwd')`,
      ])
        expect(await insider.refusal(call), call).toMatch(/permission denied|must be superuser|only superuser|not allowed|not supported|syntax error/);
    });
    // COPY to the client reads through row-level security: nothing without a scope.
    await insider.inTransaction(async () => {
      await insider.begin(null);
      const stream = insider.db.query(copyTo('copy trainee to stdout'));
      let bytes = 0;
      for await (const chunk of stream) bytes += (chunk as Buffer).length;
      expect(bytes).toBe(0);
    });
  });

  it('cannot take the locks the chain needs', async () => {
    await insider.inTransaction(async () => {
      for (const lock of ['pg_advisory_xact_lock(73462011)', 'pg_try_advisory_lock_shared(73462011)'])
        expect(await insider.refusal(`select ${lock}`), lock).toMatch(/permission denied/);
    });
  });
});
