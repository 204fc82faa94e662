/**
 * The audit trail: exactly one event per successful mutation (checked over
 * every mutation of the schema), none for a failed one; tampering done
 * directly in SQL is found by verification, which names the first bad event;
 * checkpoints catch a truncated or rewritten tail; concurrent mutations from
 * two server processes leave one unbroken chain; auditors' views.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, parse } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { todayInJakarta } from '../src/shared/time';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { Role } from '../src/access/roles';
import { auditProof, contentDigest, contentOf, eventHash, linkHash, sealOf, sign, signContent, verifyChain } from '../src/modules/audit/audit.chain';
import { sealGathering, sealsWritten } from '../src/modules/audit/audit.writer';
import type { EventContent } from '../src/data/audit-event';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { SCHEMA_FILE } from '../src/graphql/schema';
import { fromGlobalId, toGlobalId } from '../src/shared/global-id';
import { draftDigest } from './support/mou-digest';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import * as f from './support/factories';
import { rootOperations, type Operations } from './support/operations';
import { startTestApp, type Client, type TestApp } from './support/test-app';
import { cells, COLUMNS, MATRIX } from './permission-matrix';

let t: TestApp;
let clients: Map<string, Client>;
let OPS: Operations;

beforeAll(async () => {
  t = await startTestApp();
  ({ clients, OPS } = await rootOperations(t));
});
afterAll(() => t.close());

const count = () => t.em().count(AuditEvent, {});
const last = async () => (await t.em().find(AuditEvent, {}, { orderBy: { seq: 'desc' }, limit: 1 }))[0];
const key = () => t.config.auditKey;
const EVENT_ROW =
  'select seq::text as seq, occurred_at, request_id, actor_account_id, actor_ministry_id, actor_role, operation, entity_type, entity_id, subject_ministry_id, changes, prev_hash, content_digest from audit_event';

/** An event as another writer (another server process) would append it. */
const otherWriter = (requestId: string): EventContent => ({
  occurredAt: new Date().toISOString(),
  requestId,
  actorAccountId: null,
  actorMinistryId: null,
  actorRole: null,
  operation: 'elsewhere',
  entityType: 'Institution',
  entityId: null,
  subjectMinistryId: null,
  changes: [],
});
const linkSql = 'select seq, prev_hash, hash from sinergi_audit_link(?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?)';
const linkArgs = (e: EventContent, digest: string, signature: string) => [
  e.occurredAt,
  e.requestId,
  e.actorAccountId,
  e.actorMinistryId,
  e.actorRole,
  e.operation,
  e.entityType,
  e.entityId,
  e.subjectMinistryId,
  JSON.stringify(e.changes),
  digest,
  signature,
  // The proof of the registered key: these tests write as the server (or the owner) would, past the proof check.
  auditProof(key(), `link:${digest}`),
];
const appendAs = async (e: EventContent, digest: string, signature: string) =>
  (await t.em().execute<{ seq: string; prev_hash: string; hash: string }[]>(linkSql, linkArgs(e, digest, signature)))[0];

/** Runs `fn` in a transaction of the owner that is always rolled back: tampering without lasting harm. */
async function tampered<T>(fn: (em: EntityManager) => Promise<T>): Promise<T> {
  let out: T;
  await t
    .em()
    .transactional(async (em) => {
      await em.execute('alter table audit_event disable trigger user');
      await em.execute('alter table audit_seal disable trigger user');
      out = await fn(em as EntityManager);
      throw new Error('rollback');
    })
    .catch((e) => {
      if ((e as Error).message !== 'rollback') throw e;
    });
  return out!;
}

describe('one event per mutation', () => {
  it('every mutation of the schema leaves exactly one event naming it, its actor and its record', async () => {
    const schema = buildSchema(readFileSync(SCHEMA_FILE, 'utf8'));
    const mutations = Object.keys(schema.getMutationType()!.getFields());
    for (const name of mutations) {
      // The first role the matrix admits, preferring the most specific.
      const row = cells(MATRIX.mutation[name]);
      const role = ['EDITOR', 'ADMIN', 'PLATFORM_ADMIN', 'VIEWER', 'AUDITOR'].find((r) => row[COLUMNS.indexOf(r as never)] !== '-')!;
      // login acts as the account it logs in (the VIEWER's credentials).
      const client = clients.get(name === 'login' ? 'VIEWER' : role)!;
      const op = await OPS[name]();
      const before = await count();
      const res = await client.raw(op.query, op.variables);
      expect(res.errors, `${name}: ${JSON.stringify(res.errors)}`).toBeUndefined();
      expect(await count(), name).toBe(before + 1);
      const event = await last();
      // An app's token is the app's own act: the app (the event's record) is its actor, with the app's role.
      const actor = name === 'clientCredentialsToken' ? event.entityId : client.account!.id;
      expect(event, name).toMatchObject({ operation: name, actorAccountId: actor, actorRole: name === 'login' ? 'VIEWER' : role });
      if (name === 'clientCredentialsToken') expect(event.entityType).toBe('ApiClient');
      expect(event.requestId, name).toBeTruthy();
      expect(event.entityType, name).not.toBe('unknown');
      // Session operations change no record of their own (the session table is the database's).
      if (!['login', 'refreshToken', 'logout', 'clientCredentialsToken'].includes(name)) expect(event.changes.length, name).toBeGreaterThan(0);
    }
  });

  it('records before and after of changed fields, and redacts personal values', async () => {
    const editor = clients.get('EDITOR')!;
    const created = expectOk(
      await editor.exec(ops.CreateTraineeDocument, {
        input: { nik: f.validNik(), fullName: 'Audited Person', sex: 'FEMALE', birthDate: '1998-04-12', originProvinceCode: '35', phone: '+62 812 0000 1111' },
      }),
    ).createTrainee;
    const createdEvent = await last();
    const fields = (createdEvent.changes[0] as { fields: Record<string, { before: unknown; after: unknown }> }).fields;
    expect(fields.fullName).toEqual({ before: null, after: 'Audited Person' });
    for (const personal of ['nik', 'birthDate', 'phone']) expect(fields[personal].after, personal).toBe('[redacted]');
    expect(JSON.stringify(createdEvent.changes)).not.toContain('0000 1111');
    expectOk(await editor.exec(ops.UpdateTraineeDocument, { input: { id: created.id, fullName: 'Audited Person Renamed' } }));
    const updated = (await last()).changes[0] as { op: string; fields: Record<string, { before: unknown; after: unknown }> };
    expect(updated.op).toBe('update');
    expect(updated.fields.fullName).toEqual({ before: 'Audited Person', after: 'Audited Person Renamed' });
  });

  it('a refused or failed mutation leaves no event', async () => {
    const before = await count();
    expectError(
      await clients
        .get('EDITOR')!
        .exec(ops.CreateInstitutionDocument, { input: { name: 'Bad', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: -1 } }),
      'BAD_USER_INPUT',
    );
    expectError(
      await clients
        .get('VIEWER')!
        .exec(ops.CreateInstitutionDocument, { input: { name: 'Viewer', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
      'FORBIDDEN',
    );
    const dup = clients.get('EDITOR')!.account!.email;
    const ministryId = toGlobalId('Ministry', (await t.ministry('KP2MI')).id);
    expectError(
      await clients
        .get('PLATFORM_ADMIN')!
        .exec(ops.CreateAccountDocument, { input: { email: dup, displayName: 'Dup', password: 'a-long-password-1', role: 'ADMIN', ministryId } }),
      'BAD_USER_INPUT',
      'input.email',
    );
    expect(await count()).toBe(before);
  });
});

describe('tamper evidence', () => {
  it('the whole log verifies, through GraphQL and the chain function alike', async () => {
    const res = expectOk(await clients.get('AUDITOR')!.raw('{ verifyAuditLog { valid eventsChecked firstBadSeq } }'));
    expect(res).toMatchObject({ verifyAuditLog: { valid: true, firstBadSeq: null } });
    expect((await verifyChain(t.em(), key())).valid).toBe(true);
  });

  it('the database refuses UPDATE, DELETE and TRUNCATE, for the app role and the owner alike', async () => {
    for (const sql of ["update audit_event set operation = 'x' where seq = 1", 'delete from audit_event where seq = 1', 'truncate audit_event']) {
      await expect(t.em().execute(sql)).rejects.toThrow(/append-only|permission denied/);
      await expect(t.orm.em.fork().execute(sql)).rejects.toThrow(/append-only|permission denied/);
    }
  });

  const middle = async () => String(Math.floor(Number((await last()).seq) / 2));

  it('an UPDATE done in SQL is found, naming the event', async () => {
    const k = await middle();
    const result = await tampered(async (em) => {
      await em.execute(`update audit_event set actor_role = 'PLATFORM_ADMIN' where seq = ?`, [k]);
      return verifyChain(em, key());
    });
    expect(result).toMatchObject({ valid: false, firstBadSeq: k });
    expect(result.reason).toMatch(/changed after it was written/);
  });

  it('a DELETE done in SQL is found, naming the missing event', async () => {
    const k = await middle();
    const result = await tampered(async (em) => {
      await em.execute('delete from audit_event where seq = ?', [k]);
      return verifyChain(em, key());
    });
    expect(result).toMatchObject({ valid: false, firstBadSeq: k });
    expect(result.reason).toMatch(/missing/);
  });

  it('a reordering done in SQL is found, naming the first event out of place', async () => {
    const k = Number(await middle());
    const result = await tampered(async (em) => {
      await em.execute('update audit_event set seq = -1 where seq = ?', [k]);
      await em.execute('update audit_event set seq = ? where seq = ?', [k, k + 1]);
      await em.execute('update audit_event set seq = ? where seq = -1', [k + 1]);
      return verifyChain(em, key());
    });
    expect(result).toMatchObject({ valid: false, firstBadSeq: String(k) });
  });

  it('a forgery that recomputes the digest and the link in SQL is found: the server never signed it', async () => {
    const k = await middle();
    const result = await tampered(async (em) => {
      const [row] = await em.execute<any[]>(`${EVENT_ROW} where seq = ?`, [k]);
      const digest = contentDigest({ ...contentOf(row), actorRole: 'FORGED' });
      await em.execute('update audit_event set actor_role = ?, content_digest = ?, hash = ? where seq = ?', [
        'FORGED',
        digest,
        linkHash(row.prev_hash, k, digest),
        k,
      ]);
      return verifyChain(em, key());
    });
    expect(result).toMatchObject({ valid: false, firstBadSeq: k });
    expect(result.reason).toMatch(/never signed/);
  });

  it('an event deleted and the chain relinked in SQL, without the key, no longer matches the seals', async () => {
    const k = Number(await middle());
    await sealsWritten();
    const result = await tampered(async (em) => {
      await em.execute('delete from audit_event where seq = ?', [k]);
      const rows = await em.execute<any[]>(`${EVENT_ROW} where seq > ? order by seq`, [k]);
      let prev = rows[0].prev_hash as string;
      const [before] = await em.execute<any[]>('select hash from audit_event where seq = ?', [k - 1]);
      prev = before.hash;
      for (const row of rows) {
        const seq = String(Number(row.seq) - 1);
        const hash = linkHash(prev, seq, row.content_digest);
        await em.execute('update audit_event set seq = ?, prev_hash = ?, hash = ? where seq = ?', [seq, prev, hash, row.seq]);
        prev = hash;
      }
      return verifyChain(em, key());
    });
    expect(result).toMatchObject({ valid: false, firstBadSeq: String(k) });
    expect(result.reason).toMatch(/not the event its seal names: the log was rewritten/);
  });

  it('a seal removed is pending while its event is recent and tampering once it is overdue; a forged seal is found', async () => {
    const k = await middle();
    await sealsWritten();
    const removed = await tampered(async (em) => {
      await em.execute('delete from audit_seal where seq = ?', [k]);
      const [{ occurred_at }] = await em.execute<any[]>('select occurred_at from audit_event where seq = ?', [k]);
      return {
        now: await verifyChain(em, key()),
        // The verifier's clock far past the event: its seal can no longer be on its way.
        later: await verifyChain(em, key(), undefined, new Date(occurred_at).getTime() + 24 * 3_600_000),
      };
    });
    expect(removed.now).toMatchObject({ valid: true, pendingSeals: 1 });
    expect(removed.later).toMatchObject({ valid: false, firstBadSeq: k });
    expect(removed.later.reason).toMatch(/never sealed/);
    const forged = await tampered(async (em) => {
      await em.execute('update audit_seal set signature = ? where seq = ?', [sealOf('not-the-key', (await last()).hash), k]);
      return verifyChain(em, key());
    });
    expect(forged).toMatchObject({ valid: false, firstBadSeq: k });
    expect(forged.reason).toMatch(/seal the server never made/);
  });

  it('the seals of events committed close together are written by one statement, not one each', async () => {
    await sealsWritten();
    const [{ before }] = await t.em().execute<{ before: string }[]>('select count(*) as before from audit_seal');
    // The sealer writes through the app's own pool (the connection every request's EntityManager shares).
    const execute = vi.spyOn(t.orm.em.getConnection(), 'execute');
    // A window wide enough for a slow machine to commit all of them inside it.
    const gathering = sealGathering.ms;
    sealGathering.ms = 1_000;
    try {
      const editor = clients.get('EDITOR')!;
      const made = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          editor.exec(ops.CreateInstitutionDocument, { input: { name: `Gathered ${i}`, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
        ),
      );
      made.forEach((r) => expectOk(r));
      await sealsWritten();
      const seals = execute.mock.calls.filter(([sql]) => String(sql).includes('sinergi_audit_seal'));
      expect(seals.length).toBeGreaterThan(0);
      expect(seals.length).toBeLessThanOrEqual(2);
    } finally {
      sealGathering.ms = gathering;
      execute.mockRestore();
    }
    const [{ after }] = await t.em().execute<{ after: string }[]>('select count(*) as after from audit_seal');
    expect(Number(after) - Number(before)).toBe(6);
  });

  it('each event is sealed by the server that wrote it, with the key, over the link the database made', async () => {
    expectOk(
      await clients
        .get('EDITOR')!
        .exec(ops.CreateInstitutionDocument, { input: { name: 'Sealed', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
    );
    await sealsWritten();
    const e = await last();
    const [seal] = await t.em().execute<any[]>('select hash, signature from audit_seal where seq = ?', [e.seq]);
    const digest = contentDigest(contentOf((await t.em().execute<any[]>(`${EVENT_ROW} where seq = ?`, [e.seq]))[0]));
    expect(e.contentDigest).toBe(digest);
    expect(e.signature).toBe(signContent(key(), digest));
    expect(e.hash).toBe(linkHash(e.prevHash, e.seq, digest));
    expect(seal).toEqual({ hash: e.hash, signature: sealOf(key(), e.hash) });
  });

  it('a log begun before the database linked events verifies across the change, and a changed old event is still found', async () => {
    const result = await tampered(async (em) => {
      await em.execute('delete from audit_seal');
      await em.execute('delete from audit_event');
      // Two events as the server wrote them before: hash over content and place, signed with the key.
      let prev = '0'.repeat(64);
      for (const seq of ['1', '2']) {
        const e = otherWriter(`old-${seq}`);
        const hash = eventHash(seq, prev, e);
        await em.execute(
          `insert into audit_event (seq, occurred_at, request_id, operation, entity_type, changes, prev_hash, hash, signature) values (?, ?, ?, ?, ?, '[]', ?, ?, ?)`,
          [seq, e.occurredAt, e.requestId, e.operation, e.entityType, prev, hash, sign(key(), hash)],
        );
        prev = hash;
      }
      const e = otherWriter('new-3');
      const digest = contentDigest(e);
      const [linked] = await em.execute<{ seq: string; prev_hash: string; hash: string }[]>(linkSql, linkArgs(e, digest, signContent(key(), digest)));
      await em.execute('select sinergi_audit_seal(?::bigint[], ?::text[], ?::text[], ?::text[])', [
        `{${linked.seq}}`,
        `{${linked.hash}}`,
        `{${sealOf(key(), linked.hash)}}`,
        `{${auditProof(key(), `seal:${linked.hash}`)}}`,
      ]);
      const across = await verifyChain(em, key());
      await em.execute("update audit_event set operation = 'rewritten' where seq = 1");
      return { linked, across, changed: await verifyChain(em, key()) };
    });
    expect(result.linked).toMatchObject({ seq: '3' });
    expect(result.across).toMatchObject({ valid: true, eventsChecked: 3, pendingSeals: 0 });
    expect(result.changed).toMatchObject({ valid: false, firstBadSeq: '1' });
    expect(result.changed.reason).toMatch(/changed after it was written/);
  });

  it('a seal the database refused for a moment is written when it is back', async () => {
    await sealsWritten();
    await t.em().execute('revoke execute on function sinergi_audit_seal(bigint[], text[], text[], text[]) from sinergi_app');
    try {
      expectOk(
        await clients
          .get('EDITOR')!
          .exec(ops.CreateInstitutionDocument, { input: { name: 'Sealed late', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
      );
      await new Promise((r) => setTimeout(r, 300));
      expect(await t.em().execute('select 1 from audit_seal where seq = ?', [(await last()).seq])).toEqual([]);
    } finally {
      await t.em().execute('grant execute on function sinergi_audit_seal(bigint[], text[], text[], text[]) to sinergi_app');
    }
    await sealsWritten();
    const e = await last();
    expect(await t.em().execute('select hash, signature from audit_seal where seq = ?', [e.seq])).toEqual([{ hash: e.hash, signature: sealOf(key(), e.hash) }]);
  });

  it('the database links only an event with a digest and a signature, and one without the key is found', async () => {
    const content = otherWriter('no-key');
    await expect(appendAs(content, 'not-a-digest', signContent(key(), 'x'))).rejects.toThrow(/64 hex digits/);
    const digest = contentDigest(content);
    const result = await tampered(async (em) => {
      await em.execute(linkSql, linkArgs(content, digest, signContent('not-the-key', digest)));
      return verifyChain(em, key());
    });
    expect(result).toMatchObject({ valid: false, firstBadSeq: String(Number((await last()).seq) + 1) });
    expect(result.reason).toMatch(/never signed/);
  });

  it('a checkpoint taken earlier finds a truncated tail, and a tail rewritten even with the key', async () => {
    const auditor = clients.get('AUDITOR')!;
    const cp = (expectOk(await auditor.raw('{ auditCheckpoint { seq hash time token } }')) as { auditCheckpoint: { seq: string; token: string } })
      .auditCheckpoint;
    expectOk(
      await clients
        .get('EDITOR')!
        .exec(ops.CreateInstitutionDocument, { input: { name: 'After checkpoint', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
    );
    const verify = (token: string) => auditor.raw('query($c: String) { verifyAuditLog(checkpoint: $c) { valid firstBadSeq reason } }', { c: token });
    expect(expectOk(await verify(cp.token))).toMatchObject({ verifyAuditLog: { valid: true } });
    expectError(await verify('not-a-checkpoint'), 'BAD_USER_INPUT', 'checkpoint');

    const truncated = await tampered(async (em) => {
      await em.execute('delete from audit_event where seq >= ?', [Number(cp.seq) - 1]);
      return verifyChain(em, key(), { seq: cp.seq, hash: (await t.em().findOneOrFail(AuditEvent, { seq: cp.seq })).hash, time: '' });
    });
    expect(truncated.valid).toBe(false);
    expect(truncated.reason).toMatch(/truncated/);
    expect(
      (await tampered(async (em) => (await em.execute('delete from audit_event where seq >= ?', [Number(cp.seq) - 1]), verifyChain(em, key())))).valid,
    ).toBe(true);

    // An insider with the key rewrites the tail from event k with valid hashes and signatures:
    // only the checkpoint kept outside shows it.
    await sealsWritten();
    const rewritten = await tampered(async (em) => {
      const k = Number(cp.seq) - 2;
      const rows = await em.execute<any[]>(`${EVENT_ROW} where seq >= ? order by seq`, [k]);
      let prev = rows[0].prev_hash as string;
      for (const row of rows) {
        const content = { ...contentOf(row), actorRole: row.seq === String(k) ? 'AUDITOR' : row.actor_role };
        const digest = contentDigest(content);
        const hash = linkHash(prev, row.seq, digest);
        await em.execute('update audit_event set actor_role = ?, prev_hash = ?, hash = ?, content_digest = ?, signature = ? where seq = ?', [
          content.actorRole,
          prev,
          hash,
          digest,
          signContent(key(), digest),
          row.seq,
        ]);
        await em.execute('update audit_seal set hash = ?, signature = ? where seq = ?', [hash, sealOf(key(), hash), row.seq]);
        prev = hash;
      }
      const [cpRow] = await t.em().execute<any[]>('select hash from audit_event where seq = ?', [cp.seq]);
      return { plain: await verifyChain(em, key()), withCheckpoint: await verifyChain(em, key(), { seq: cp.seq, hash: cpRow.hash, time: '' }) };
    });
    expect(rewritten.plain.valid).toBe(true);
    expect(rewritten.withCheckpoint).toMatchObject({ valid: false, firstBadSeq: cp.seq });
    expect(rewritten.withCheckpoint.reason).toMatch(/rewritten/);
  });
});

describe('the audit CLI', () => {
  const run = (args: string[]) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(path.resolve(__dirname, '..', 'node_modules', '.bin', 'tsx'), ['scripts/audit.ts', ...args], {
        cwd: path.resolve(__dirname, '..'),
        env: { ...process.env, DATABASE_URL: t.databaseUrl, AUDIT_KEY: t.config.auditKey, LOG_LEVEL: 'silent' },
      });
      let out = '';
      child.stdout.on('data', (c) => (out += c));
      child.stderr.on('data', (c) => (out += c));
      child.on('exit', (code) => resolve({ code, out }));
    });

  it('verifies the log, exports a signed checkpoint, and verifies against it', async () => {
    const verified = await run(['verify']);
    expect(verified.code, verified.out).toBe(0);
    expect(verified.out).toMatch(/^valid: \d+ events/m);
    const cp = await run(['checkpoint']);
    expect(cp.code, cp.out).toBe(0);
    const token = cp.out.trim().split('\n').at(-1)!;
    const against = await run(['verify', token]);
    expect(against.code, against.out).toBe(0);
    expect(against.out).toContain('consistent with the checkpoint');
    const forged = await run(['verify', token.slice(0, -4) + 'AAAA']);
    expect(forged.code).toBe(1);
  }, 60_000);
});

describe('auditor views', () => {
  it("filters by entity, operation, ministry, actor and time; a ministry ADMIN sees its own ministry's data only", async () => {
    const editor = clients.get('EDITOR')!;
    const inst = expectOk(
      await editor.exec(ops.CreateInstitutionDocument, { input: { name: 'Viewed', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }),
    ).createInstitution;
    expectOk(await editor.exec(ops.UpdateInstitutionDocument, { input: { id: inst.id, annualCapacity: 2 } }));
    const q = ops.AuditEventsFilteredDocument;
    const auditor = clients.get('AUDITOR')!;
    const byEntity = expectOk(await auditor.exec(q, { e: inst.id }));
    expect(byEntity.auditEvents.edges.map((e: any) => e.node.operation)).toEqual(['createInstitution', 'updateInstitution']);
    const byOp = expectOk(await auditor.exec(q, { o: 'updateInstitution', a: toGlobalId('Account', editor.account!.id) }));
    expect(byOp.auditEvents.edges.every((e: any) => e.node.operation === 'updateInstitution' && e.node.actorRole === 'EDITOR')).toBe(true);
    const future = expectOk(await auditor.exec(q, { from: new Date(Date.now() + 3600_000).toISOString() }));
    expect(future.auditEvents.totalCount).toBe(0);

    const otherAdmin = await t.as(Role.ADMIN, 'KESDM');
    const mine = expectOk(await clients.get('ADMIN')!.exec(q, {}));
    expect(mine.auditEvents.totalCount).toBeGreaterThan(0);
    expect(mine.auditEvents.edges.every((e: any) => e.node.subjectMinistry?.code === 'KP2MI')).toBe(true);
    expect(expectOk(await otherAdmin.exec(q, { e: inst.id })).auditEvents.totalCount).toBe(0);
    expectError(await editor.exec(q, {}), 'FORBIDDEN');
  });

  it("an MoU's timeline: versions, clauses in force on a date, and how often shared personal data was read", async () => {
    const kp2mi = await t.ministry('KP2MI');
    const perin = await t.ministry('KEMENPERIN');
    const em = t.em();
    const person = f.trainee(em, perin);
    await em.flush();
    const perinAdmin = await t.as(Role.ADMIN, 'KEMENPERIN');
    const mou = expectOk(
      await clients.get('EDITOR')!.exec(ops.CreateMouDocument, {
        input: {
          title: 'Timeline MoU',
          scope: 'Timeline',
          validFrom: '2025-01-01',
          validUntil: '2030-01-01',
          partyMinistryIds: [toGlobalId('Ministry', perin.id)],
          clauses: [
            {
              providerMinistryId: toGlobalId('Ministry', perin.id),
              recipientMinistryId: toGlobalId('Ministry', kp2mi.id),
              resourceTypes: ['TRAINEE'],
              includesPersonalData: true,
              purpose: 'Timeline test purpose',
            },
          ],
        },
      }),
    ).createMou;
    const q = ops.MouTimelineDocument;
    const mouOf = (r: ops.MouTimelineQuery) => {
      if (!r.node || !('versions' in r.node)) throw new Error('not an MoU');
      return r.node;
    };
    // The programme's day is Jakarta's (UTC+7): from 17:00 UTC on, the UTC date is yesterday there.
    const today = todayInJakarta();
    const draftView = mouOf(expectOk(await clients.get('AUDITOR')!.exec(q, { id: mou.id, d: today })));
    expect(draftView.clausesInForceOn).toEqual([]);
    expectOk(await clients.get('ADMIN')!.exec(ops.SignMouDocument, { id: mou.id, digest: await draftDigest(t.em(), mou.id), name: 'A', title: 'B' }));
    expectOk(await perinAdmin.exec(ops.SignMouDocument, { id: mou.id, digest: await draftDigest(t.em(), mou.id), name: 'C', title: 'D' }));
    expectOk(await clients.get('VIEWER')!.exec(ops.NodeDocument, { id: f.gid(person) }));
    expectOk(await clients.get('VIEWER')!.exec(ops.TraineesDocument, { first: 100, filter: { ownerMinistryId: toGlobalId('Ministry', perin.id) } }));
    const active = mouOf(expectOk(await clients.get('AUDITOR')!.exec(q, { id: mou.id, d: today })));
    expect(active.versions?.map((v) => v.event)).toEqual(['CREATED', 'SIGNED', 'SIGNED', 'ACTIVATED']);
    expect(active.clausesInForceOn).toHaveLength(1);
    expect(active.sharingReport?.[0]).toMatchObject({ distinctRecords: 1, clause: { purpose: 'Timeline test purpose' } });
    expect(active.sharingReport?.[0].personalDataReads).toBeGreaterThanOrEqual(1);
    const before = mouOf(expectOk(await clients.get('AUDITOR')!.exec(q, { id: mou.id, d: '2024-12-31' })));
    expect(before.clausesInForceOn).toEqual([]);
  });
});

describe('concurrency', () => {
  const tsx = path.resolve(__dirname, '..', 'node_modules', '.bin', 'tsx');
  const servers: ChildProcess[] = [];
  afterAll(() => servers.forEach((s) => s.kill('SIGTERM')));

  const startServer = () =>
    new Promise<string>((resolve, reject) => {
      const child = spawn(tsx, ['src/server/server.ts'], {
        cwd: path.resolve(__dirname, '..'),
        env: {
          ...process.env,
          NODE_ENV: 'development',
          DATABASE_URL: t.databaseUrl,
          PORT: '0',
          SEED_DEMO: 'false',
          JWT_SECRET: t.config.jwtSecret,
          AUDIT_KEY: t.config.auditKey,
          LOG_LEVEL: 'warn',
        },
      });
      servers.push(child);
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        const m = /Graphi?QL at (\S+)/.exec(out);
        if (m) resolve(m[1]);
      });
      child.stderr.on('data', (c) => (out += c));
      child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
    });

  it("a mutation after another writer's append is linked onto that append by the database", async () => {
    const editor = await t.as(Role.EDITOR, 'KEMENKES');
    expectOk(await editor.exec(ops.CreateInstitutionDocument, { input: { name: 'Before', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1 } }));
    // Another writer (as another server process would) appends and seals behind this process's back.
    const content = otherWriter('other-process');
    const digest = contentDigest(content);
    const other = await appendAs(content, digest, signContent(key(), digest));
    expect(other.hash).toBe(linkHash(other.prev_hash, other.seq, digest));
    await t
      .em()
      .execute('select sinergi_audit_seal(?::bigint[], ?::text[], ?::text[], ?::text[])', [
        `{${other.seq}}`,
        `{${other.hash}}`,
        `{${sealOf(key(), other.hash)}}`,
        `{${auditProof(key(), `seal:${other.hash}`)}}`,
      ]);
    const res = await editor.exec(ops.CreateInstitutionDocument, {
      input: { name: 'After the other', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 2 },
    });
    const created = expectOk(res).createInstitution;
    const mine = await last();
    expect(mine).toMatchObject({ seq: String(Number(other.seq) + 1), prevHash: other.hash, operation: 'createInstitution' });
    expect(mine.entityId).toBe(fromGlobalId(created.id, 'Institution', 'id'));
    await sealsWritten();
    expect(await verifyChain(t.em(), key())).toMatchObject({ valid: true, pendingSeals: 0 });
  });

  it('200 concurrent mutations through two server processes leave one unbroken chain', async () => {
    const urls = await Promise.all([startServer(), startServer()]);
    const editors = await Promise.all(['KEMENKES', 'KEMENPAR', 'KKP', 'KEMENTAN'].map((code) => t.as(Role.EDITOR, code)));
    const before = await count();
    const results = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => {
        const res = await fetch(urls[i % 2], {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${editors[i % 4].token}` },
          body: JSON.stringify({
            query: 'mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id } }',
            variables: { i: { name: `Concurrent ${i}`, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: i } },
          }),
        });
        return (await res.json()) as { errors?: unknown };
      }),
    );
    expect(results.filter((r) => r.errors)).toEqual([]);
    expect(await count()).toBe(before + 200);
    const verification = await verifyChain(t.em(), key());
    expect(verification).toMatchObject({ valid: true, firstBadSeq: null });
    expect(Number(verification.headSeq)).toBe(await count());
  }, 120_000);
});
