/**
 * The database enforces scope even against its own app role (issue 8). Each
 * test connects as `sinergi_app` with the app's own credentials, past the
 * API, and tries what an insider holding that password would: forge or
 * replay the scope setting, impersonate an account, edit clauses, MoUs,
 * accounts or the audit log, read password hashes or sessions.
 */
import { parse } from 'graphql';
import type { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealsWritten } from '../src/modules/audit/audit.writer';
import { Account } from '../src/modules/account/account.entity';
import { DataSharingClause, MouParty } from '../src/modules/mou/mou.entity';
import { MouStatus, ResourceType } from '../src/shared/enums';
import * as f from './support/factories';
import { connectInsider, sessionOf as insiderSession, type Insider } from './support/insider';
import { Role, startTestApp, type TestApp } from './support/test-app';

let t: TestApp;
let db: Client;
let insider: Insider;
let ids: Record<string, string>;
let kesdmAdmin: Account, kesdmViewer: Account;
let clauseId: string;
let mouId: string;

const sessionOf = (account: Account) => insiderSession(t, account);
const asApp = <T>(body: () => Promise<T>) => insider.inTransaction(body);
const count = (table: string) => insider.count(table);
const refusal = (sql: string, params: unknown[] = []) => insider.refusal(sql, params);

beforeAll(async () => {
  t = await startTestApp();
  const em = t.em();
  const [kp2mi, kesdm] = await Promise.all(['KP2MI', 'KESDM'].map((c) => t.ministry(c)));
  ids = { KP2MI: kp2mi.id, KESDM: kesdm.id };
  await f.ministryWorld(em, kp2mi);
  await f.ministryWorld(em, kesdm);
  const { mou, clauses } = await f.signedMou(em, kp2mi, kesdm, [{ provider: kp2mi, recipient: kesdm, resources: [ResourceType.TRAINEE] }], {
    validUntil: '2030-01-01',
  });
  clauseId = clauses[0].id;
  mouId = mou.id;
  kesdmAdmin = (await t.as(Role.ADMIN, 'KESDM')).account!;
  kesdmViewer = (await t.as(Role.VIEWER, 'KESDM')).account!;
  insider = await connectInsider(t);
  db = insider.db;
});
afterAll(async () => {
  await db.end();
  await t.close();
});

describe('the app role, connected with its own password', () => {
  it('is itself: no superuser underneath, RESET ROLE changes nothing', async () => {
    const { rows } = await db.query('select current_user as u, session_user as s, (select rolsuper from pg_roles where rolname = current_user) as sup');
    await db.query('reset role');
    const after = await db.query(
      'select current_user as u, session_user as s, (select rolsuper or rolbypassrls from pg_roles where rolname = current_user) as strong',
    );
    expect(rows[0]).toMatchObject({ u: 'sinergi_app', s: 'sinergi_app', sup: false });
    expect(after.rows[0]).toEqual({ u: 'sinergi_app', s: 'sinergi_app', strong: false });
  });

  it('cannot widen its scope by setting a setting, forged or replayed', async () => {
    // A real KESDM scope, as the API would set it, from one transaction...
    const session = await sessionOf(kesdmAdmin);
    const sealed = await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [session.sessionId, session.secret]);
      const own = await count('trainee');
      const { rows } = await db.query(`select current_setting('sinergi.scope') as scope, current_setting('sinergi.scope_mac') as mac`);
      return { own, ...rows[0] } as { own: number; scope: string; mac: string };
    });
    expect(sealed.own).toBeGreaterThan(0);
    await asApp(async () => {
      // ...replayed in another transaction reads as nobody.
      await db.query(`select set_config('sinergi.scope', $1, true), set_config('sinergi.scope_mac', $2, true)`, [sealed.scope, sealed.mac]);
      expect(await count('trainee')).toBe(0);
      // A forged scope that reads everything, with any seal, reads nothing.
      const forged = JSON.parse(sealed.scope);
      forged.all = ['institution', 'program', 'trainee', 'enrollment', 'returnee_business', 'mou'];
      forged.read.trainee = [ids.KP2MI, ids.KESDM];
      await db.query(`select set_config('sinergi.scope', $1, true), set_config('sinergi.scope_mac', $2, true)`, [JSON.stringify(forged), sealed.mac]);
      for (const table of ['trainee', 'institution', 'mou', 'account', 'data_sharing_clause', 'personal_data_read']) expect(await count(table), table).toBe(0);
      // The settings of the scheme it replaced mean nothing any more.
      await db.query(
        `select set_config('sinergi.read_trainee', '*', true), set_config('sinergi.ministry', $1, true), set_config('sinergi.auditor', 'on', true)`,
        [ids.KESDM],
      );
      expect(await count('trainee')).toBe(0);
    });
  });

  it("cannot act as an account without that account's session secret", async () => {
    const session = await sessionOf(kesdmAdmin);
    await asApp(async () => {
      expect(await refusal('select sinergi_begin_request($1, $2, $3, $4)', [kesdmAdmin.id, ids.KESDM, 'ADMIN', '2026-01-01'])).toMatch(/does not exist/);
      const [{ r }] = (await db.query('select sinergi_begin_request($1, $2) as r', [session.sessionId, 'a-guessed-secret'])).rows;
      expect(r.accountOk).toBe(false);
      expect(await count('trainee')).toBe(0);
      expect(await refusal('select sinergi_open_session($1, 3600)', [kesdmAdmin.id])).toMatch(/permission denied/);
      expect(await refusal(`select sinergi_seal('{}')`)).toMatch(/permission denied/);
    });
  });

  it("cannot read password hashes, sessions or the server's secrets", async () => {
    await asApp(async () => {
      expect(await refusal('select password_hash from account')).toMatch(/permission denied/);
      expect(await refusal('select * from account')).toMatch(/permission denied/);
      expect(await refusal('select * from account_session')).toMatch(/permission denied/);
      expect(await refusal('select * from sinergi_secret')).toMatch(/permission denied/);
      // The login function hands out parameters and a salt, never the hash itself.
      const [{ p }] = (await db.query('select sinergi_login_params($1) as p', [kesdmAdmin.email])).rows;
      expect(p).toMatch(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+$/);
    });
  });

  it("cannot edit clauses, MoUs, parties or versions directly, even with a party ADMIN's session", async () => {
    const session = await sessionOf(kesdmAdmin);
    await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [session.sessionId, session.secret]);
      expect(await refusal('update data_sharing_clause set includes_personal_data = true where id = $1', [clauseId])).toBe('ok:0');
      expect(await refusal('delete from data_sharing_clause where id = $1', [clauseId])).toBe('ok:0');
      expect(
        await refusal(
          `insert into data_sharing_clause (id, mou_id, provider_ministry_id, recipient_ministry_id, resource_types, includes_personal_data, purpose)
        values (gen_random_uuid(), $1, $2, $3, '{TRAINEE}', true, 'Widened by hand')`,
          [mouId, ids.KP2MI, ids.KESDM],
        ),
      ).toMatch(/row-level security/);
      expect(await refusal(`update mou set valid_until = '2099-01-01' where id = $1`, [mouId])).toMatch(/amendment signed by every party/);
      expect(await refusal(`update mou_party set signed_at = now() where mou_id = $1`, [mouId])).toBe('ok:0');
      expect(await refusal(`update mou_version set reason = 'rewritten' where mou_id = $1`, [mouId])).toMatch(/permission denied/);
      expect(
        await refusal(
          `insert into mou_amendment (id, mou_id, number, reason, proposal, proposed_by_ministry_id, proposed_by_account_id) values (gen_random_uuid(), $1, 9, 'x', '{}', $2, $3)`,
          [mouId, ids.KESDM, kesdmAdmin.id],
        ),
      ).toMatch(/permission denied/);
      // The amendment functions take the caller from the sealed scope: a KESDM ADMIN signs for KESDM only.
      expect(await refusal(`select sinergi_propose_amendment($1, 'by hand', '{"validUntil": "2099-01-01"}', 'X', 'Y')`, [mouId])).toMatch(/^ok/);
      expect(await refusal(`select sinergi_sign_amendment($1, 'X', 'Y')`, [mouId])).toMatch(/already signed/);
      expect((await db.query('select valid_until::text as v from mou where id = $1', [mouId])).rows[0].v).toBe('2030-01-01');
    });
    const clause = await t.em().findOneOrFail(DataSharingClause, clauseId);
    expect(clause.includesPersonalData).toBe(false);
  });

  it('cannot change accounts or write the audit log by hand', async () => {
    const session = await sessionOf(kesdmAdmin);
    await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [session.sessionId, session.secret]);
      // A ministry ADMIN cannot make itself or anyone an ADMIN, nor touch another ministry's accounts.
      expect(await refusal(`update account set role = 'ADMIN' where id = $1`, [kesdmViewer.id])).toMatch(/VIEWER or EDITOR only/);
      expect(await refusal(`update account set password_hash = 'x' where ministry_id = $1`, [ids.KP2MI])).toBe('ok:0');
      expect(
        await refusal(
          `insert into account (id, email, password_hash, display_name, ministry_id, role) values (gen_random_uuid(), 'x@y.z', 'h', 'X', $1, 'ADMIN')`,
          [ids.KESDM],
        ),
      ).toMatch(/row-level security/);
      expect(
        await refusal(
          `insert into audit_event (seq, occurred_at, operation, entity_type, changes, prev_hash, hash, signature) values (999999, now(), 'forged', 'X', '[]', 'a', 'b', 'c')`,
        ),
      ).toMatch(/permission denied/);
      expect(await refusal(`update audit_event set operation = 'rewritten'`)).toMatch(/permission denied/);
      expect(await refusal(`delete from audit_event`)).toMatch(/permission denied/);
      // Seals likewise: written only through sinergi_audit_seal, which adds and never replaces.
      expect(await refusal(`insert into audit_seal (seq, hash, signature) values (999999, 'a', 'b')`)).toMatch(/permission denied/);
      expect(await refusal(`update audit_seal set signature = 'x'`)).toMatch(/permission denied/);
      expect(await refusal(`delete from audit_seal`)).toMatch(/permission denied/);
    });
    // One event about KP2MI's data, written through the API.
    const kp2miEditor = await t.as(Role.EDITOR, 'KP2MI');
    const made = await kp2miEditor.raw(
      'mutation { createInstitution(input: { name: "BLK Audit", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 5 }) { id } }',
    );
    expect(made.errors).toBeUndefined();
    expect(Number((await t.em().getConnection().execute('select count(*) as n from audit_event'))[0].n)).toBeGreaterThan(0);
    // Seals: none ahead of the log (one planted for an event not yet written would outlive the real one), and
    // never one replacing another.
    await sealsWritten();
    const [head] = await t
      .em()
      .getConnection()
      .execute<{ seq: string; hash: string; seal: string }[]>(
        'select e.seq::text as seq, e.hash, s.signature as seal from audit_event e join audit_seal s on s.seq = e.seq order by e.seq desc limit 1',
      );
    await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [session.sessionId, session.secret]);
      const ahead = String(Number(head.seq) + 1);
      expect(
        await refusal('select sinergi_audit_seal($1::bigint[], $2::text[], $3::text[], $4::text[])', [
          [head.seq, ahead],
          [head.hash, 'a'.repeat(64)],
          ['f'.repeat(64), 'f'.repeat(64)],
          ['f'.repeat(64), 'f'.repeat(64)],
        ]),
      ).toMatch(/proof of the audit key/);
      expect((await db.query('select seq::text as seq, signature from audit_seal where seq = any($1::bigint[])', [[head.seq, ahead]])).rows).toEqual([
        { seq: head.seq, signature: head.seal },
      ]);
    });
    await asApp(async () => {
      // The log is readable to auditors and, for their own ministry's data, ministry ADMINs: not to the role itself.
      await db.query('select sinergi_begin_request(null, null)');
      expect(await count('audit_event')).toBe(0);
    });
    await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [session.sessionId, session.secret]);
      expect(await count('audit_event')).toBe(0);
    });
    await asApp(async () => {
      // Without any session: nothing at all.
      await db.query('select sinergi_begin_request(null, null)');
      expect(await refusal(`update account set active = false`)).toBe('ok:0');
      expect(
        await refusal(`insert into account (id, email, password_hash, display_name, role) values (gen_random_uuid(), 'p@y.z', 'h', 'P', 'PLATFORM_ADMIN')`),
      ).toMatch(/row-level security/);
    });
  });
});

describe('the audit chain against the app role', () => {
  it("cannot be stopped by taking its lock: advisory locks are the owner's, and mutations go on", async () => {
    // Each form an insider might try, with and without a session; any one held would stop every append.
    const session = await sessionOf(kesdmAdmin);
    for (const begin of [null, session]) {
      await asApp(async () => {
        await db.query('select sinergi_begin_request($1, $2)', [begin?.sessionId ?? null, begin?.secret ?? null]);
        for (const lock of [
          'pg_advisory_lock(73462011)',
          'pg_advisory_lock_shared(73462011)',
          'pg_advisory_xact_lock(73462011)',
          'pg_advisory_xact_lock_shared(73462011)',
          'pg_try_advisory_lock(73462011)',
          'pg_try_advisory_lock_shared(73462011)',
          'pg_try_advisory_xact_lock(73462011)',
          'pg_try_advisory_xact_lock_shared(73462011)',
          'pg_advisory_lock(0, 73462011)',
          'pg_try_advisory_xact_lock_shared(0, 73462011)',
        ])
          expect(await refusal(`select ${lock}`), lock).toMatch(/permission denied/);
      });
    }
    // The chain itself still takes its lock, as the owner, inside its definer function.
    const editor = await t.as(Role.EDITOR, 'KESDM');
    const made = await editor.raw(
      'mutation { createInstitution(input: { name: "BLK Lock", type: TRAINING_CENTRE, provinceCode: "35", annualCapacity: 5 }) { id } }',
    );
    expect(made.errors).toBeUndefined();
  });
});

describe('the guards behind the API hold for SQL with a real session', () => {
  it('a party signs only its own row of a draft, and a draft is ACTIVE only when every party has signed', async () => {
    const em = t.em();
    const [kp2mi, kesdm] = await Promise.all([t.ministry('KP2MI'), t.ministry('KESDM')]);
    const { mou } = await f.signedMou(em, kp2mi, kesdm, [], { recordedStatus: MouStatus.DRAFT } as never);
    await em.nativeUpdate(MouParty, { mou: mou.id }, { signedAt: null });
    const session = await sessionOf(kesdmAdmin);
    await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [session.sessionId, session.secret]);
      expect(await refusal(`update mou_party set signed_at = now() where mou_id = $1 and ministry_id = $2`, [mou.id, ids.KP2MI])).toBe('ok:0');
      expect(
        await refusal(`update mou_party set signed_at = now(), signatory_name = 'M', signatory_title = 'M' where mou_id = $1 and ministry_id = $2`, [
          mou.id,
          ids.KESDM,
        ]),
      ).toBe('ok:1');
      expect(await refusal(`update mou set recorded_status = 'ACTIVE' where id = $1`, [mou.id])).toMatch(/every party has signed/);
    });
  });

  it('a PLATFORM_ADMIN never sets a password or role; a ministry ADMIN only approves a pending ADMIN', async () => {
    const platform = (await t.as(Role.PLATFORM_ADMIN, null)).account!;
    const em = t.em();
    const pending = em.create(Account, {
      email: `pending-${Date.now()}@test.local`,
      displayName: 'Pending',
      passwordHash: 'x',
      role: Role.ADMIN,
      ministry: ids.KESDM,
      pending: true,
    } as never);
    await em.flush();
    const asPlatform = await sessionOf(platform);
    await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [asPlatform.sessionId, asPlatform.secret]);
      expect(await refusal(`update account set password_hash = 'known' where id = $1`, [kesdmAdmin.id])).toMatch(/does not set passwords/);
      expect(await refusal(`update account set role = 'VIEWER' where id = $1`, [kesdmAdmin.id])).toMatch(/does not set passwords, roles/);
      expect(
        await refusal(
          `insert into account (id, email, password_hash, display_name, ministry_id, role) values (gen_random_uuid(), $1, 'h', 'E', $2, 'EDITOR')`,
          [`e-${Date.now()}@x.test`, ids.KESDM],
        ),
      ).toMatch(/row-level security/);
    });
    const asAdmin = await sessionOf(kesdmAdmin);
    await asApp(async () => {
      await db.query('select sinergi_begin_request($1, $2)', [asAdmin.sessionId, asAdmin.secret]);
      expect(await refusal(`update account set display_name = 'Renamed' where id = $1`, [pending.id])).toMatch(/only approves a pending ADMIN/);
      expect(
        await refusal(`update account set pending = false, approved_by_account_id = $2, password_hash = 'known' where id = $1`, [pending.id, kesdmAdmin.id]),
      ).toMatch(/only approves a pending ADMIN/);
      expect(
        await refusal(`update account set pending = false, approved_by_account_id = $2, approved_at = now() where id = $1`, [pending.id, kesdmAdmin.id]),
      ).toBe('ok:1');
    });
  });
});
