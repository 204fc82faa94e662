/**
 * Witnesses of the audit log (issue 31): the registry (a ministry ADMIN's witnesses, the auditors'), the
 * witness command's round over HTTP against the running log (fetch, verify, prove consistent from the
 * tiles, cosign, post back), the checkpoint served with its cosignatures, and what is refused: a
 * cosignature of an unregistered or revoked key, one that does not verify, one of a checkpoint the log never
 * signed, and — at the witness — a checkpoint that does not extend what it cosigned before.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { parseGlobalId, toGlobalId } from '../src/shared/global-id';
import {
  checkpointText,
  COSIGNATURE_V1,
  cosign,
  generateSigner,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signatureLine,
  signNote,
  verifierKey,
  type Signer,
} from '../src/modules/audit/log/note';
import { witnessRound } from '../src/modules/audit/log/witness-round';
import { previousLogKeys } from '../src/modules/audit/log/log-key';
import { createApp } from '../src/server/app';
import pino from 'pino';
import type { WitnessState } from '../src/modules/audit/log/witness';
import { renameInstitutions } from './support/audit-events';
import { expectOk } from './support/expect';
import { connectInsider, sessionOf } from './support/insider';
import * as f from './support/factories';
import { startTestApp, type Client, type TestApp } from './support/test-app';

const execFileAsync = promisify(execFile);
let t: TestApp;
let server: http.Server;
let logUrl: string;
let editor: Client;

beforeAll(async () => {
  t = await startTestApp();
  server = http.createServer(t.app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  logUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit/log/`;
  editor = await t.as(Role.EDITOR, 'KP2MI');
});
afterAll(async () => {
  server?.close();
  await t?.close();
});

const REGISTER = 'mutation($k: String!) { registerAuditWitness(verifierKey: $k) { id name verifierKey ministryId revokedAt } }';
const REVOKE = 'mutation($id: ID!) { revokeAuditWitness(id: $id) { id revokedAt } }';
const LIST = '{ auditWitnesses(includeRevoked: true) { id name ministryId revokedAt } }';

async function changeSomething() {
  await renameInstitutions(t, editor, 1);
  return t.app.auditLog.sync();
}

/** A witness as the command runs it: its key, and its state kept between rounds. */
function aWitness(name: string) {
  const { signer } = generateSigner(name, COSIGNATURE_V1);
  const w = { signer, state: null as WitnessState | null };
  const round = (fetchImpl?: typeof fetch) =>
    witnessRound({
      logUrl,
      log: parseVerifierKey(t.app.auditLog.verifierKey),
      origin: t.app.auditLog.origin,
      witness: signer,
      state: w.state,
      saveState: async (s) => void (w.state = s),
      fetch: fetchImpl,
    });
  return { ...w, key: verifierKey(signer), round, w };
}

const post = (body: string) => fetch(`${logUrl}cosignature`, { method: 'POST', body });
const checkpoint = async (witnesses?: number) => {
  const res = await fetch(`${logUrl}checkpoint${witnesses === undefined ? '' : `?witnesses=${witnesses}`}`);
  return { status: res.status, note: await res.text() };
};

describe('the registry of witnesses', () => {
  it("registers a ministry ADMIN's witness for its ministry and an AUDITOR's for the auditors, each revoked only by its side", async () => {
    const admin = await t.as(Role.ADMIN, 'KESDM');
    const otherAdmin = await t.as(Role.ADMIN, 'KP2MI');
    const auditor = await t.as(Role.AUDITOR);
    const ministryWitness = expectOk(await admin.raw(REGISTER, { k: aWitness('witness.kesdm.test/a').key })).registerAuditWitness;
    expect(ministryWitness).toMatchObject({
      name: 'witness.kesdm.test/a',
      ministryId: toGlobalId('Ministry', (await t.ministry('KESDM')).id),
      revokedAt: null,
    });
    const auditorsWitness = expectOk(await auditor.raw(REGISTER, { k: aWitness('witness.bpk.test/a').key })).registerAuditWitness;
    expect(auditorsWitness.ministryId).toBeNull();
    // Another ministry's ADMIN, or an auditor, cannot revoke a ministry's witness; nor an ADMIN the auditors'.
    for (const [who, id] of [
      [otherAdmin, ministryWitness.id],
      [auditor, ministryWitness.id],
      [admin, auditorsWitness.id],
    ] as const)
      expect((await who.raw(REVOKE, { id })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(expectOk(await admin.raw(REVOKE, { id: ministryWitness.id })).revokeAuditWitness.revokedAt).not.toBeNull();
    expect((await admin.raw(REVOKE, { id: ministryWitness.id })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const listed = expectOk(await auditor.raw(LIST)).auditWitnesses;
    expect(listed.map((w: { name: string }) => w.name)).toEqual(expect.arrayContaining(['witness.kesdm.test/a', 'witness.bpk.test/a']));
    // Each registration and revocation is an audit event.
    const [{ n }] = await t.em().getConnection().execute<{ n: number }[]>(`select count(*)::int as n from audit_event where entity_type = 'AuditWitness'`);
    expect(n).toBe(3);
  });

  it('refuses a key that is not a witness key, is registered already, or reuses a live name, naming the argument', async () => {
    const auditor = await t.as(Role.AUDITOR);
    const code = async (k: string) => (await auditor.raw(REGISTER, { k })).errors?.[0]?.extensions;
    expect(await code('not a key')).toMatchObject({ code: 'BAD_USER_INPUT', field: 'verifierKey' });
    // The log's own kind of key (Ed25519, 0x01) signs checkpoints; a witness's cosigns them (0x04).
    expect(await code(verifierKey(generateSigner('witness.bpk.test/ed').signer))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'verifierKey' });
    expect(await code('x'.repeat(600))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'verifierKey' });
    const w = aWitness('witness.bpk.test/twice');
    expectOk(await auditor.raw(REGISTER, { k: w.key }));
    expect(await code(w.key)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'verifierKey' });
    expect(await code(aWitness('witness.bpk.test/twice').key)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'verifierKey' });
    expect((await t.anonymous().raw(REGISTER, { k: w.key })).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect((await editor.raw(REGISTER, { k: aWitness('witness.x/y').key })).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });
});

describe('the registry against the app role password', () => {
  it("registers and revokes only for an ADMIN's or an AUDITOR's session, and keeps cosignature lines only of a live witness", async () => {
    const insider = await connectInsider(t);
    try {
      const viewer = await t.as(Role.VIEWER, 'KESDM');
      const admin = await t.as(Role.ADMIN, 'KESDM');
      const key = aWitness('witness.insider.test/a').key;
      const name = 'witness.insider.test/a';
      const registered = expectOk(await admin.raw(REGISTER, { k: aWitness('witness.insider.test/live').key })).registerAuditWitness;
      const id = parseGlobalId(registered.id)!.id;
      await insider.inTransaction(async () => {
        for (const session of [null, await sessionOf(t, viewer.account!)]) {
          await insider.begin(session);
          expect(await insider.refusal('select sinergi_audit_log_register_witness($1, $2)', [name, key])).toMatch(/only a ministry ADMIN or an AUDITOR/);
          expect(await insider.refusal('select sinergi_audit_log_revoke_witness($1) as done', [id])).toBe('ok:1');
          expect((await insider.db.query('select sinergi_audit_log_revoke_witness($1) as done', [id])).rows[0].done).toBe(false);
        }
        // An ADMIN's session registers for its own ministry only, under the key's own name.
        await insider.begin(await sessionOf(t, admin.account!));
        expect(await insider.refusal('select sinergi_audit_log_register_witness($1, $2)', ['another.name/x', key])).toMatch(/not named/);
        expect(
          await insider.refusal('insert into audit_log_witness (name, verifier_key, registered_by) values ($1, $2, gen_random_uuid())', [name, key]),
        ).toMatch(/permission denied/);
        expect(await insider.refusal('select sinergi_audit_log_cosign(gen_random_uuid(), 1, $1, $2)', [Buffer.alloc(32), '\u2014 x AAAAAAA='])).toMatch(
          /no live witness/,
        );
        expect(await insider.refusal('select sinergi_audit_log_cosign($1, 1, $2, $3)', [id, Buffer.alloc(32), '\u2014 someone.else/x AAAAAAA='])).toMatch(
          /not a cosignature line of/,
        );
        expect(
          await insider.refusal('select sinergi_audit_log_cosign($1, 1, $2, $3)', [id, Buffer.alloc(32), '\u2014 witness.insider.test/live AAAAAAA=']),
        ).toMatch(/no checkpoint of size/);
      });
      expect(
        (await t.em().getConnection().execute<{ n: number }[]>('select count(*)::int as n from audit_log_witness where revoked_at is null and id = ?', [id]))[0]
          .n,
      ).toBe(1);
    } finally {
      await insider.db.end();
    }
  });
});

describe('a witness against the running log', () => {
  it('cosigns the newest checkpoint, then a newer one only with a consistency proof from the tiles; the log serves the cosignatures', async () => {
    const auditor = await t.as(Role.AUDITOR);
    const w = aWitness('witness.bpk.test/round');
    expectOk(await auditor.raw(REGISTER, { k: w.key }));
    const first = await changeSomething();
    const one = await w.round();
    expect(one).toMatchObject({ cosigned: first.size });
    // The newest checkpoint now carries the cosignature, and verifies with both keys.
    const served = await checkpoint(1);
    expect(served.status).toBe(200);
    const opened = openNote(served.note, [parseVerifierKey(t.app.auditLog.verifierKey), parseVerifierKey(w.key)]);
    expect(opened.verified.map((v) => v.verifier.name).sort()).toEqual([t.app.auditLog.signer.name, 'witness.bpk.test/round'].sort());
    expect(expectOk(await auditor.raw('{ auditLogCheckpoint(witnesses: 1) { size cosigners } }')).auditLogCheckpoint).toEqual({
      size: first.size,
      cosigners: ['witness.bpk.test/round'],
    });
    // Unchanged log: nothing new to cosign. Grown log: cosigned after a consistency proof from the tiles.
    expect(await w.round()).toEqual({ unchanged: first.size });
    const tilesAsked: string[] = [];
    const spying: typeof fetch = (input, init) => {
      if (String(input).includes('/tile/')) tilesAsked.push(String(input));
      return fetch(input, init);
    };
    await changeSomething();
    const second = await changeSomething();
    expect(await w.round(spying)).toMatchObject({ cosigned: second.size });
    expect(tilesAsked.length).toBeGreaterThan(0);
    expect((await checkpoint(2)).status).toBe(404);
  });

  it('refuses, at the witness, a checkpoint that does not extend the one it cosigned: another root of that size, an older size, or a history rewritten', async () => {
    const c = await changeSomething();
    const w = aWitness('witness.bpk.test/strict');
    // A state from another history: the same size with another root, a larger size, and a smaller tree whose root is not a prefix.
    w.w.state = { origin: t.app.auditLog.origin, size: c.size, root: Buffer.alloc(32, 7).toString('base64') };
    expect(await w.round()).toMatchObject({ refused: 'split-view', evidence: expect.stringContaining(t.app.auditLog.origin) });
    w.w.state = { origin: t.app.auditLog.origin, size: c.size + 5, root: c.root.toString('base64') };
    expect(await w.round()).toMatchObject({ refused: 'rollback' });
    w.w.state = { origin: t.app.auditLog.origin, size: c.size - 1, root: Buffer.alloc(32, 7).toString('base64') };
    expect(await w.round()).toMatchObject({ refused: 'inconsistent' });
    // A log that serves a checkpoint signed by another key.
    const impostor = generateSigner(t.app.auditLog.signer.name).signer;
    const fake = signNote(checkpointText({ origin: t.app.auditLog.origin, size: c.size, root: c.root }), [impostor]);
    const lying: typeof fetch = async (input, init) => (String(input).endsWith('/checkpoint') ? new Response(fake) : fetch(input, init));
    w.w.state = null;
    expect(await w.round(lying)).toMatchObject({ refused: 'signature' });
    expect(w.w.state).toBeNull();
  });
});

describe('a rotation of the log key', () => {
  it('signs on with the new key: the older checkpoints still verify with the older key, published after the new, and a witness told the new key cosigns on from its state', async () => {
    const auditor = await t.as(Role.AUDITOR);
    const w = aWitness('witness.bpk.test/rotation');
    expectOk(await auditor.raw(REGISTER, { k: w.key }));
    await changeSomething();
    expect(await w.round()).toHaveProperty('cosigned');
    const before = await t.app.auditLog.checkpoint();
    const oldKey = t.app.auditLog.verifierKey;
    // The operator makes a new key and restarts with it, publishing the old one as previous.
    const { secret } = generateSigner(t.app.auditLog.origin);
    const rotated = await createApp({
      orm: t.orm,
      config: { ...t.config, auditLogKey: secret, auditLogPreviousKeys: [oldKey] },
      log: pino({ level: 'silent' }),
    });
    const server2 = http.createServer(rotated.handle);
    await new Promise<void>((resolve) => server2.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server2.address() as AddressInfo).port}/audit/log/`;
      expect((await (await fetch(`${url}key`)).text()).trim().split('\n')).toEqual([rotated.auditLog.verifierKey, oldKey]);
      expect(rotated.auditLog.verifierKey).not.toBe(oldKey);
      await changeSomething();
      const after = await rotated.auditLog.sync();
      expect(after.size).toBeGreaterThan(before.size);
      // Each checkpoint verifies with its own key only.
      expect(() => openNote(before.note, [parseVerifierKey(oldKey)])).not.toThrow();
      expect(() => openNote(after.note, [parseVerifierKey(oldKey)])).toThrow();
      expect(() => openNote(after.note, [parseVerifierKey(rotated.auditLog.verifierKey)])).not.toThrow();
      // A witness still configured with the old key refuses the new checkpoints; told the new key, it cosigns on.
      const round = (key: string) =>
        witnessRound({
          logUrl: url,
          log: parseVerifierKey(key),
          origin: rotated.auditLog.origin,
          witness: w.signer,
          state: w.w.state,
          saveState: async (s) => void (w.w.state = s),
        });
      expect(await round(oldKey)).toMatchObject({ refused: 'signature' });
      expect(await round(rotated.auditLog.verifierKey)).toMatchObject({ cosigned: after.size });
    } finally {
      server2.close();
      await rotated.stop();
    }
  });

  it('refuses to start with a malformed previous key', () => {
    expect(() => previousLogKeys({ auditLogPreviousKeys: ['nonsense'] })).toThrow(/AUDIT_LOG_PREVIOUS_KEYS holds "nonsense"/);
    expect(() => previousLogKeys({ auditLogPreviousKeys: [aWitness('witness.x/y').key] })).toThrow(/not an Ed25519 note key/);
  });
});

describe('the witness command', () => {
  it('makes a key, and once registered cosigns the log from a state file it keeps', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'witness-'));
    const cli = (...args: string[]) => execFileAsync(process.execPath, ['--import', 'tsx', 'src/cli/audit-witness.ts', ...args], { cwd: process.cwd() });
    const made = await cli('keygen', 'witness.cli.test/a');
    writeFileSync(path.join(dir, 'witness.key'), made.stdout);
    const key = /register this one\): (\S+)/.exec(made.stderr)![1];
    expectOk(await (await t.as(Role.AUDITOR)).raw(REGISTER, { k: key }));
    const c = await changeSomething();
    const args = [
      'run',
      '--log',
      logUrl,
      '--log-key',
      t.app.auditLog.verifierKey,
      '--key-file',
      path.join(dir, 'witness.key'),
      '--state',
      path.join(dir, 'state.json'),
    ];
    expect((await cli(...args)).stdout).toMatch(new RegExp(`cosigned size ${c.size}`));
    expect(JSON.parse(readFileSync(path.join(dir, 'state.json'), 'utf8'))).toMatchObject({ size: c.size, root: c.root.toString('base64') });
    expect((await checkpoint()).note).toContain('witness.cli.test/a');
    await expect(cli('run', '--log', logUrl)).rejects.toMatchObject({ code: 2 });
  });
});

describe('POST /audit/log/cosignature', () => {
  const cosigned = (note: string, signer: Signer, time = Math.floor(Date.now() / 1000)) =>
    note + signatureLine(cosign(note.slice(0, note.lastIndexOf('\n\n') + 1), signer, time));

  it('refuses an unregistered or revoked key, a cosignature that does not verify, a checkpoint the log never signed, and junk', async () => {
    const auditor = await t.as(Role.AUDITOR);
    await changeSomething();
    const { note } = await checkpoint();
    const stranger = aWitness('witness.stranger.test/a');
    const unregistered = await post(cosigned(note, stranger.signer));
    expect(unregistered.status).toBe(403);
    expect(await unregistered.json()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });

    const w = aWitness('witness.bpk.test/post');
    const registered = expectOk(await auditor.raw(REGISTER, { k: w.key })).registerAuditWitness;
    // Another key of the registered name and id: the signature does not verify.
    const other = { ...aWitness('witness.bpk.test/post').signer, keyId: w.signer.keyId };
    expect((await post(cosigned(note, other))).status).toBe(403);
    // A checkpoint of a root the log never signed (re-signed by the witness itself).
    const body = parseCheckpoint(note.slice(0, note.lastIndexOf('\n\n') + 1));
    const unknown = signNote(checkpointText({ ...body, root: Buffer.alloc(32, 9) }), [generateSigner('x').signer]);
    expect((await post(cosigned(unknown, w.signer))).status).toBe(404);
    expect((await post('hello')).status).toBe(400);
    expect((await post('x'.repeat(20_000))).status).toBe(413);
    expect((await fetch(`${logUrl}cosignature`)).status).toBe(405);
    // Accepted once registered; refused again once revoked, and no longer served.
    expect((await post(cosigned(note, w.signer))).status).toBe(200);
    expect((await checkpoint()).note).toContain('witness.bpk.test/post');
    expectOk(await auditor.raw(REVOKE, { id: registered.id }));
    t.app.auditLog.cosigned();
    expect((await post(cosigned(note, w.signer))).status).toBe(403);
    expect((await checkpoint()).note).not.toContain('witness.bpk.test/post');
  });

  it('does not serve a stored cosignature line that does not verify (one written with the app role password)', async () => {
    const auditor = await t.as(Role.AUDITOR);
    const c = await changeSomething();
    const w = aWitness('witness.bpk.test/junk');
    const { id } = expectOk(await auditor.raw(REGISTER, { k: w.key })).registerAuditWitness;
    const uuid = parseGlobalId(id)!.id;
    const app = t.orm.em.getConnection();
    const junk = `\u2014 witness.bpk.test/junk ${Buffer.alloc(76, 1).toString('base64')}`;
    await app.execute('select sinergi_audit_log_cosign(?, ?, ?, ?)', [uuid, c.size, c.root, junk]);
    t.app.auditLog.cosigned();
    expect((await checkpoint()).note).not.toContain('witness.bpk.test/junk');
    expect((await checkpoint(1)).note).not.toContain('witness.bpk.test/junk');
  });
});
