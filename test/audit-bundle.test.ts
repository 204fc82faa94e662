/**
 * The offline verifier against the running log (issue 31): an auditor downloads a bundle
 * (`GET /audit/bundle`), and `clients/audit-verify` checks it with nothing but the log's and the witnesses'
 * public keys. Each attack the issue names is made on the database as a superuser would (triggers off), or on
 * the bundle as a log whose key was stolen would serve it, and must be caught, with the message printed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import { digestOf, leafData, parseLeaf } from '../src/modules/audit/log/leaf';
import { leafHash, rangeTree, rootHash } from '../src/modules/audit/log/merkle';
import {
  checkpointText,
  COSIGNATURE_V1,
  generateSigner,
  parseCheckpoint,
  parseNote,
  parseVerifierKey,
  signNote,
  verifierKey,
} from '../src/modules/audit/log/note';
import type { BundleEntry, BundleHead } from '../src/modules/audit/log/verify';
import { describeReport, verifyBundle, verifyReportProof } from '../src/modules/audit/log/verify-report';
import { witnessRound } from '../src/modules/audit/log/witness-round';
import type { WitnessState } from '../src/modules/audit/log/witness';
import { renameInstitutions } from './support/audit-events';
import { expectOk } from './support/expect';
import * as f from './support/factories';
import { startTestApp, type Client, type TestApp } from './support/test-app';

const execFileAsync = promisify(execFile);
let t: TestApp;
let server: http.Server;
let base: string;
let editor: Client;
let auditor: Client;
let people: { id: string; nik: string }[];
const witnesses = ['witness.bpk.test/1', 'witness.kesdm.test/2'].map((name) => ({
  signer: generateSigner(name, COSIGNATURE_V1).signer,
  state: null as WitnessState | null,
}));
const witnessKeys = witnesses.map((w) => verifierKey(w.signer));

beforeAll(async () => {
  t = await startTestApp();
  server = http.createServer(t.app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  editor = await t.as(Role.EDITOR, 'KP2MI');
  auditor = await t.as(Role.AUDITOR);
  for (const k of witnessKeys) expectOk(await auditor.raw('mutation($k: String!) { registerAuditWitness(verifierKey: $k) { id } }', { k }));
  // History: renamed institutions, and a partner's reads of KP2MI trainees in full under a personal clause.
  const [kp2mi, kesdm] = [await t.ministry('KP2MI'), await t.ministry('KESDM')];
  const em = t.em();
  people = [f.trainee(em, kp2mi), f.trainee(em, kp2mi)];
  await em.flush();
  await f.signedMou(t.em(), kp2mi, kesdm, [{ provider: kp2mi, recipient: kesdm, resources: [ResourceType.TRAINEE], personal: true }]);
  const reader = await t.as(Role.VIEWER, 'KESDM');
  for (const p of people) expectOk(await reader.raw(`{ node(id: "${toGlobalId('Trainee', p.id)}") { ... on Trainee { nik birthDate } } }`));
  await grow(6);
});
afterAll(async () => {
  server?.close();
  await t?.close();
});

async function grow(n: number) {
  await renameInstitutions(t, editor, n);
  await t.app.auditLog.sync();
  for (const w of witnesses) {
    const result = await witnessRound({
      logUrl: `${base}/audit/log/`,
      log: parseVerifierKey(t.app.auditLog.verifierKey),
      origin: t.app.auditLog.origin,
      witness: w.signer,
      state: w.state,
      saveState: async (s) => void (w.state = s),
    });
    if ('refused' in result) throw new Error(result.message);
  }
}

async function download(query = 'witnesses=2', who: Client | null = auditor) {
  const res = await fetch(`${base}/audit/bundle?${query}`, { headers: who?.token ? { authorization: `Bearer ${who.token}` } : {} });
  return { status: res.status, text: await res.text() };
}

const linesOf = async function* (text: string) {
  yield* text.split('\n');
};
const policy = { logKeys: [] as string[], witnesses: witnessKeys, quorum: 2 };
const verify = (text: string, kept?: string) => verifyBundle(linesOf(text), { ...policy, logKeys: [t.app.auditLog.verifierKey], kept });
const kinds = async (text: string, kept?: string) => (await verify(text, kept)).findings.map((x) => x.kind);

/** The bundle as lines: its head and its entries, to tamper with. */
const split = (text: string) => {
  const [head, ...entries] = text.trim().split('\n');
  return { head: JSON.parse(head) as BundleHead, entries: entries.map((e) => JSON.parse(e) as BundleEntry) };
};
const join = (head: BundleHead, entries: BundleEntry[]) => [head, ...entries].map((x) => JSON.stringify(x)).join('\n');

describe('an auditor verifies a bundle offline', () => {
  it('verifies the whole log: the cosigned checkpoint, every leaf, every content (reads too) and the root', async () => {
    const { status, text } = await download();
    expect(status).toBe(200);
    const report = await verify(text);
    expect(report.findings).toEqual([]);
    const { head, entries } = split(text);
    expect(report.entries).toBe(head.treeSize);
    expect(report.contents).toBe(head.treeSize);
    expect(report.checkpoint?.cosigners.sort()).toEqual(['witness.bpk.test/1', 'witness.kesdm.test/2']);
    // Reads are leaves too, their digests recomputed from the read log's rows as the database computed them.
    expect(entries.filter((e) => parseLeaf(Buffer.from(e.leaf, 'base64'))?.kind === 'read').length).toBeGreaterThanOrEqual(2);
    expect(describeReport(report, 2)).toMatch(/^OK: every signature, leaf, content and the root verify$/m);
  });

  it('verifies a range of entries with the subtrees around it', async () => {
    const { head } = split((await download()).text);
    const { status, text } = await download(`witnesses=2&from=3&to=${head.treeSize - 2}`);
    expect(status).toBe(200);
    const report = await verify(text);
    expect(report.findings).toEqual([]);
    expect(report.entries).toBe(head.treeSize - 5);
  });

  it('takes a range by the dates the entries were taken into the tree', async () => {
    const whole = split((await download()).text);
    const byDates = await download('witnesses=2&from=2000-01-01&to=2100-01-01T00:00:00Z');
    expect(byDates.status).toBe(200);
    expect((await verify(byDates.text)).findings).toEqual([]);
    expect(split(byDates.text).entries.length).toBe(whole.head.treeSize);
    // Entries from a moment on: those taken into the tree since.
    const [{ at, n }] = await t
      .em()
      .getConnection()
      .execute<{ at: Date; n: number }[]>(
        `select max(integrated_at) as at, (select count(*)::int from audit_log_leaf where integrated_at >= (select max(integrated_at) from audit_log_leaf)) as n from audit_log_leaf`,
      );
    const recent = await download(`witnesses=0&from=${new Date(at).toISOString()}`);
    expect(split(recent.text).entries.length).toBe(n);
    expect((await download('from=2100-01-01')).status).toBe(400);
    expect((await download('from=yesterday')).status).toBe(400);
    expect((await download('from=2026-13-45')).status).toBe(400);
  });

  it('proves the log consistent with a checkpoint kept before, and asks for the proof when it is missing', async () => {
    const kept = split((await download()).text).head.checkpoint;
    const keptSize = parseCheckpoint(parseNote(kept).text).size;
    await grow(2);
    expect(await kinds((await download(`witnesses=2&since=${keptSize}`)).text, kept)).toEqual([]);
    expect(await kinds((await download('witnesses=2')).text, kept)).toEqual(['size']);
  });

  it('refuses anyone but an auditor, and names bad parameters', async () => {
    expect((await download('', null)).status).toBe(401);
    expect((await download('', editor)).status).toBe(403);
    expect((await download('', await t.as(Role.ADMIN, 'KP2MI'))).status).toBe(403);
    expect((await download('from=abc')).status).toBe(400);
    expect((await download('from=5&to=5')).status).toBe(400);
    expect((await download('since=0')).status).toBe(400);
    expect((await download('witnesses=9')).status).toBe(404);
  });

  it('runs as a command: exit 0 and OK for an honest bundle, 1 and each finding for a tampered one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bundle-'));
    const { head, entries } = split((await download('witnesses=2&from=10')).text);
    writeFileSync(path.join(dir, 'honest.jsonl'), join(head, entries));
    const bad = structuredClone(entries);
    bad[0].content = { ...bad[0].content, tampered: true };
    writeFileSync(path.join(dir, 'tampered.jsonl'), join(head, bad));
    const cli = (file: string) =>
      execFileAsync(process.execPath, [
        '--import',
        'tsx',
        'src/cli/audit-verify.ts',
        '--log-key',
        t.app.auditLog.verifierKey,
        ...witnessKeys.flatMap((k) => ['--witness', k]),
        '--quorum',
        '2',
        '--keep',
        path.join(dir, 'kept.txt'),
        path.join(dir, file),
      ]);
    expect((await cli('honest.jsonl')).stdout).toMatch(/OK: every signature/);
    await expect(cli('tampered.jsonl')).rejects.toMatchObject({ code: 1, stdout: expect.stringMatching(/FAIL content: entry 10/) });
  });
});

describe("the data subject's report", () => {
  const REPORT = `query($nik: String!) { dataSubjectAccessReport(nik: $nik) {
    reads { readId } logProof { checkpoint pending reads { readId leafIndex leaf content hashes } } } }`;

  it('carries each read with its inclusion proof and the cosigned checkpoint, which anyone checks with the public keys', async () => {
    const owner = await t.as(Role.VIEWER, 'KP2MI');
    const answer = expectOk(await owner.raw(REPORT, { nik: people[0].nik }));
    const { reads, logProof } = answer.dataSubjectAccessReport;
    expect(reads.length).toBeGreaterThan(0);
    expect(logProof.pending).toBe(0);
    expect(logProof.reads.map((r: { readId: string }) => r.readId)).toEqual(reads.map((r: { readId: string }) => r.readId));
    const options = { logKeys: [t.app.auditLog.verifierKey], witnesses: witnessKeys, quorum: 2 };
    const report = verifyReportProof({ data: answer }, options);
    expect(report.findings).toEqual([]);
    expect(report.contents).toBe(reads.length);
    // A row changed in the report, or a proof for another position: each caught.
    const changed = structuredClone(logProof);
    changed.reads[0].content.fields = ['nik'];
    expect(verifyReportProof(changed, options).findings.map((x) => x.kind)).toEqual(['content']);
    const moved = structuredClone(logProof);
    moved.reads[0].leafIndex += 1;
    expect(verifyReportProof(moved, options).findings.map((x) => x.kind)).toEqual(['root']);
    // From the command line, as the person or anyone they hand it to would.
    const dir = mkdtempSync(path.join(tmpdir(), 'report-'));
    writeFileSync(path.join(dir, 'report.json'), JSON.stringify({ data: answer }));
    const cli = await execFileAsync(process.execPath, [
      '--import',
      'tsx',
      'src/cli/audit-verify.ts',
      '--log-key',
      t.app.auditLog.verifierKey,
      '--report',
      path.join(dir, 'report.json'),
    ]);
    expect(cli.stdout).toMatch(/^OK/m);
  });
});

describe('what the offline verifier catches', () => {
  it('a history forged and re-signed with the stolen log key: too few witnesses, and against the kept checkpoint a split view with both notes', async () => {
    const honest = (await download()).text;
    const { head, entries } = split(honest);
    // The forger changes an event, rebuilds its leaf and the root, and signs with the log's own key.
    const at = entries.findIndex((e) => parseLeaf(Buffer.from(e.leaf, 'base64'))?.kind === 'event' && e.content && !('prevHash' in e.content));
    const forged = structuredClone(entries);
    forged[at].content = { ...forged[at].content, changes: [] };
    const leaf = parseLeaf(Buffer.from(forged[at].leaf, 'base64'))!;
    forged[at].leaf = leafData({ ...leaf, digest: digestOf(forged[at].content) }).toString('base64');
    const outside = new Map(head.outside.map((o) => [`${o.level}/${o.index}`, Buffer.from(o.hash, 'base64')]));
    const leaves = forged.map((e) => leafHash(Buffer.from(e.leaf, 'base64')));
    const root = rootHash(
      rangeTree(head.from, leaves, (l, i) => outside.get(`${l}/${i}`)!),
      head.treeSize,
    );
    const note = signNote(checkpointText({ origin: head.origin, size: head.treeSize, root }), [t.app.auditLog.signer]);
    const report = await verify(join({ ...head, checkpoint: note }, forged));
    expect(report.findings.map((x) => x.kind)).toEqual(['witnesses']);
    expect(report.findings[0].message).toMatch(/cosigned by 0 of the required 2 witnesses/);
    // An auditor who kept the honest checkpoint, and accepts the forged one without witnesses, holds proof of two histories.
    const lax = await verifyBundle(linesOf(join({ ...head, checkpoint: note }, forged)), {
      logKeys: [t.app.auditLog.verifierKey],
      witnesses: [],
      quorum: 0,
      kept: head.checkpoint,
    });
    expect(lax.findings.map((x) => x.kind)).toEqual(['split-view']);
    expect(lax.findings[0].evidence).toContain(note.trim());
    expect(describeReport(lax, 0)).toMatch(/FAIL split-view: two checkpoints of size \d+, both signed by the log, with different roots/);
  });

  it("a superuser's edit of an old event, a deleted event, and a reordered pair of leaves, each with its message", async () => {
    // The tables' owner turns their append-only triggers off, as a superuser could, and commits.
    const asSuperuser = (table: string, sql: string) =>
      t.em().transactional(async (em) => {
        await em.execute(`alter table ${table} disable trigger user`);
        for (const statement of sql.split(';')) await em.execute(statement);
        await em.execute(`alter table ${table} enable trigger user`);
      });
    await asSuperuser('audit_event', `update audit_event set changes = '[]' where seq = 3`);
    let report = await verify((await download()).text);
    expect(report.findings.map((x) => `${x.kind}: ${x.message}`)).toEqual([
      expect.stringMatching(/^content: entry \d+ \(event 3\): its content is not what the log recorded/),
    ]);

    await asSuperuser('audit_event', `delete from audit_event where seq = 4`);
    report = await verify((await download()).text);
    expect(report.findings.map((x) => x.kind)).toEqual(['content', 'missing']);
    expect(report.findings[1].message).toMatch(/\(event 4\): the log holds it, but its content was not given: the event is gone from the database/);

    // Two leaves swapped in the tree's table: out of order, and the root is no longer the signed one.
    await asSuperuser(
      'audit_log_leaf',
      'update audit_log_leaf set idx = -1 where idx = 5; update audit_log_leaf set idx = 5 where idx = 6; update audit_log_leaf set idx = 6 where idx = -1',
    );
    report = await verify((await download()).text);
    expect(report.findings.map((x) => x.kind)).toEqual(expect.arrayContaining(['order', 'root']));
    expect(describeReport(report, 2)).toMatch(/FAIL root: entries 0–\d+ with the subtrees around them give root .*: an entry was changed, removed or moved/);
  });
});
