/**
 * The audit log as a transparency log (issue 31), checked from outside with nothing but its published key:
 * the checkpoint's signature, the tiles and entry bundles of C2SP tlog-tiles, the root rebuilt from them,
 * every event and read as a leaf in commit order, consistency between an older checkpoint and a newer one,
 * and what the app role's password cannot do to the tree.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import { consistencyProof, inclusionProof, leafHash, memoryTree, rootHash, verifyConsistency, verifyInclusion } from '../src/modules/audit/log/merkle';
import {
  checkpointText,
  generateSigner,
  openNote,
  parseCheckpoint,
  parseVerifierKey,
  signNote,
  type Checkpoint,
  type Verifier,
} from '../src/modules/audit/log/note';
import { AuditLog } from '../src/modules/audit/log/audit-log';
import pino from 'pino';
import { parseLeaf } from '../src/modules/audit/log/leaf';
import { entriesPath, parseEntryBundle, tilePath, tileReader, tilesAt, TILE_WIDTH } from '../src/modules/audit/log/tiles';
import { renameInstitutions as renameEvents } from './support/audit-events';
import { expectOk } from './support/expect';
import * as f from './support/factories';
import { startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let server: http.Server;
let base: string;
let editor: Client;

beforeAll(async () => {
  t = await startTestApp();
  server = http.createServer(t.app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/audit/log/`;
  editor = await t.as(Role.EDITOR, 'KP2MI');
});
afterAll(async () => {
  server?.close();
  await t?.close();
});

const get = async (path: string) => {
  const res = await fetch(base + path);
  return { status: res.status, headers: res.headers, body: Buffer.from(await res.arrayBuffer()) };
};

/** A client that knows only the log's verifier key: the checkpoint it verified, and every leaf from the tiles. */
async function fetchLog(key: Verifier): Promise<{ checkpoint: Checkpoint; note: string; leaves: Buffer[]; tiles: Map<string, Buffer> }> {
  const note = (await get('checkpoint')).body.toString('utf8');
  const checkpoint = parseCheckpoint(openNote(note, [key]).text);
  const tiles = new Map<string, Buffer>();
  for (let level = 0; TILE_WIDTH ** level <= checkpoint.size; level++) {
    const { full, partial } = tilesAt(level, checkpoint.size);
    for (let n = 0; n <= full; n++) {
      const width = n < full ? TILE_WIDTH : partial;
      if (width === 0) continue;
      const tile = await get(tilePath(level, n, width));
      expect(tile.status, tilePath(level, n, width)).toBe(200);
      expect(tile.body.length).toBe(width * 32);
      tiles.set(`${level}/${n}`, tile.body);
    }
  }
  const leaves: Buffer[] = [];
  const { full, partial } = tilesAt(0, checkpoint.size);
  for (let n = 0; n <= full; n++) {
    const width = n < full ? TILE_WIDTH : partial;
    if (width === 0) continue;
    const bundle = await get(entriesPath(n, width));
    expect(bundle.status).toBe(200);
    leaves.push(...parseEntryBundle(bundle.body));
  }
  return { checkpoint, note, leaves, tiles };
}

const readerOf = (tiles: Map<string, Buffer>) =>
  tileReader((level, index) => {
    const tile = tiles.get(`${level}/${index}`);
    if (!tile) throw new Error(`no tile ${level}/${index}`);
    return tile;
  });

const renameInstitutions = (n: number) => renameEvents(t, editor, n);

describe('the audit log, from outside', () => {
  it('publishes its key, and a signed checkpoint whose root the tiles and entry bundles rebuild', async () => {
    await renameInstitutions(3);
    await t.app.auditLog.sync();
    const published = (await get('key')).body.toString('utf8').trim();
    expect(published).toBe(t.app.auditLog.verifierKey);
    const key = parseVerifierKey(published);
    const { checkpoint, leaves, tiles } = await fetchLog(key);
    expect(checkpoint.origin).toBe(t.config.auditLogOrigin);
    // Every event and every read of the database is a leaf, once.
    const [{ events, reads }] = await t
      .em()
      .getConnection()
      .execute('select (select count(*) from audit_event)::int as events, (select count(*) from personal_data_read)::int as reads');
    expect(checkpoint.size).toBe(events + reads);
    expect(leaves).toHaveLength(checkpoint.size);
    // The entries hash to the level 0 tiles, and the tiles give the checkpoint's root.
    leaves.forEach((leaf, i) =>
      expect(leafHash(leaf).equals(tiles.get(`0/${Math.floor(i / TILE_WIDTH)}`)!.subarray((i % TILE_WIDTH) * 32, ((i % TILE_WIDTH) + 1) * 32))).toBe(true),
    );
    expect(rootHash(readerOf(tiles), checkpoint.size).equals(checkpoint.root)).toBe(true);
    // Each event's leaf carries its content digest, in the chain's order.
    const rows = await t.em().getConnection().execute<{ seq: string; content_digest: string }[]>('select seq, content_digest from audit_event order by seq');
    const eventLeaves = leaves.map(parseLeaf).filter((l) => l?.kind === 'event');
    expect(eventLeaves.map((l) => l!.ref)).toEqual(rows.map((r) => r.seq));
    expect(eventLeaves.map((l) => l!.digest)).toEqual(rows.map((r) => r.content_digest));
  });

  it('grows by what commits, reads included, and proves the newer checkpoint consistent with the one kept', async () => {
    const key = parseVerifierKey(t.app.auditLog.verifierKey);
    const kept = await fetchLog(key);
    // A partner reads KP2MI's trainees in full under a personal clause: each read is logged, and a leaf.
    const [kp2mi, kesdm] = [await t.ministry('KP2MI'), await t.ministry('KESDM')];
    const em = t.em();
    const person = f.trainee(em, kp2mi);
    await em.flush();
    await f.signedMou(t.em(), kp2mi, kesdm, [{ provider: kp2mi, recipient: kesdm, resources: [ResourceType.TRAINEE], personal: true }]);
    const reader = await t.as(Role.VIEWER, 'KESDM');
    const answer = expectOk(await reader.raw(`{ node(id: "${toGlobalId('Trainee', person.id)}") { ... on Trainee { nik } } }`));
    expect(answer.node.nik).toBe(person.nik);
    await renameInstitutions(2);
    await t.app.auditLog.sync();
    const now = await fetchLog(key);
    expect(now.checkpoint.size).toBeGreaterThan(kept.checkpoint.size);
    const reads = now.leaves.map(parseLeaf).filter((l) => l?.kind === 'read');
    expect(reads.length).toBeGreaterThan(0);
    // The old entries are unchanged, and the proof from the tiles shows the old tree inside the new.
    expect(now.leaves.slice(0, kept.checkpoint.size)).toEqual(kept.leaves);
    const proof = consistencyProof(readerOf(now.tiles), kept.checkpoint.size, now.checkpoint.size);
    expect(verifyConsistency(kept.checkpoint.size, now.checkpoint.size, kept.checkpoint.root, now.checkpoint.root, proof)).toBe(true);
    // The read's leaf is proven included in the newer tree.
    const at = now.leaves.findIndex((l) => parseLeaf(l)?.kind === 'read');
    const path = inclusionProof(readerOf(now.tiles), at, now.checkpoint.size);
    expect(verifyInclusion(leafHash(now.leaves[at]), at, now.checkpoint.size, path, now.checkpoint.root)).toBe(true);
  });

  it('keeps the tiles of a tree past 256 and 512 leaves, integrated in batches that cut across tiles', async () => {
    const [kp2mi, kemnaker] = [await t.ministry('KP2MI'), await t.ministry('KEMNAKER')];
    const em = t.em();
    for (let i = 0; i < 300; i++) f.trainee(em, kp2mi);
    await em.flush();
    await f.signedMou(t.em(), kp2mi, kemnaker, [{ provider: kp2mi, recipient: kemnaker, resources: [ResourceType.TRAINEE], personal: true }]);
    const reader = await t.as(Role.VIEWER, 'KEMNAKER');
    // Each request reads 300 NIKs in full: 300 reads, 300 leaves.
    for (let i = 0; i < 2; i++) expectOk(await reader.raw('{ trainees(first: 300) { edges { node { nik } } } }'));
    const app = t.orm.em.getConnection();
    let [before, size] = [-1, 0];
    while (size !== before) [before, size] = [size, Number((await app.execute<{ n: string }[]>('select sinergi_audit_log_integrate(97) as n'))[0].n)];
    expect(size).toBeGreaterThan(600);
    await t.app.auditLog.sync();
    const key = parseVerifierKey(t.app.auditLog.verifierKey);
    const { checkpoint, leaves, tiles } = await fetchLog(key);
    expect(checkpoint.size).toBe(size);
    // The level 1 tile (hashes of complete 256-leaf subtrees) is what the database computed; the leaves agree.
    expect(tiles.get('1/0')!.length).toBe(32 * Math.floor(size / 256));
    expect(rootHash(memoryTree(leaves.map(leafHash)), size).equals(checkpoint.root)).toBe(true);
    expect(rootHash(readerOf(tiles), size).equals(checkpoint.root)).toBe(true);
    const [{ root }] = await app.execute<{ root: Buffer }[]>('select sinergi_audit_log_root(?) as root', [size]);
    expect(root.equals(checkpoint.root)).toBe(true);
  });

  it('answers tiles it does not have, other paths and other methods with an error', async () => {
    const { size } = await t.app.auditLog.checkpoint();
    expect((await get(tilePath(0, Math.floor(size / TILE_WIDTH) + 1, 1))).status).toBe(404);
    expect((await get(entriesPath(0, TILE_WIDTH))).status).toBe(size >= TILE_WIDTH ? 200 : 404);
    expect((await get('tile/0/0')).status).toBe(404);
    expect((await get('../../graphql')).status).not.toBe(200);
    const full = await get(entriesPath(0, Math.min(size, TILE_WIDTH - 1) || 1));
    expect(full.headers.get('cache-control')).toMatch(/immutable/);
    expect((await fetch(base + 'checkpoint', { method: 'POST' })).status).toBe(405);
  });
});

describe('the tree against the app role', () => {
  it('cannot be written, changed or emptied with the app role password, nor signed for a root it does not have', async () => {
    const app = t.orm.em.getConnection();
    await expect(app.execute(`insert into audit_log_leaf (idx, kind, ref, data, hash) values (1000000, 'event', '999999', '\\x00', '\\x00')`)).rejects.toThrow(
      /permission denied/,
    );
    await expect(app.execute(`update audit_log_leaf set data = '\\x00' where idx = 0`)).rejects.toThrow(/permission denied/);
    await expect(app.execute(`delete from audit_log_checkpoint`)).rejects.toThrow(/permission denied/);
    await expect(app.execute(`delete from audit_log_pending`)).rejects.toThrow(/permission denied/);
    const { size, root } = await t.app.auditLog.checkpoint();
    const forged = Buffer.alloc(32, 1);
    await expect(
      app.execute('select sinergi_audit_log_checkpoint(?, ?, ?, ?)', [size, 'x', forged, `o\n${size}\n${root.toString('base64')}\n\n— x AAAA\n`]),
    ).rejects.toThrow(/has another root/);
    await expect(
      app.execute('select sinergi_audit_log_checkpoint(?, ?, ?, ?)', [size, 'x', root, `o\n${size + 1}\n${root.toString('base64')}\n\n— x AAAA\n`]),
    ).rejects.toThrow(/does not state the size and root/);
    await expect(app.execute('select sinergi_audit_log_checkpoint(?, ?, ?, ?)', [size + 1000, 'x', root, 'o'])).rejects.toThrow(/no tree of/);
    // Even the owner cannot rewrite a leaf: the tree is append-only.
    await expect(t.em().getConnection().execute(`update audit_log_leaf set data = '\\x00' where idx = 0`)).rejects.toThrow(/append-only/);
  });

  it("passes over a stored checkpoint that the log's key did not sign, and still signs that size itself", async () => {
    await renameInstitutions(1);
    const app = t.orm.em.getConnection();
    // The tree grows, and someone with the app role's password stores a note for it before the server signs.
    const [{ size }] = await app.execute<{ size: number }[]>('select sinergi_audit_log_integrate(10000)::int as size');
    const [{ root }] = await app.execute<{ root: Buffer }[]>('select sinergi_audit_log_root(?) as root', [size]);
    const log = t.app.auditLog;
    const forger = generateSigner(log.origin).signer;
    const forged = signNote(checkpointText({ origin: log.origin, size, root }), [{ ...forger, keyId: parseVerifierKey(log.verifierKey).keyId }]);
    await app.execute('select sinergi_audit_log_checkpoint(?, ?, ?, ?)', [size, log.keyName, root, forged]);
    const fresh = new AuditLog(t.orm, log.signer, log.origin, pino({ level: 'silent' }));
    expect((await fresh.checkpoint()).note).not.toBe(forged);
    const signed = await fresh.sync();
    expect(signed).toMatchObject({ size });
    expect(fresh.isGenuine(signed) && !fresh.isGenuine({ size, root, note: forged })).toBe(true);
    expect((await new AuditLog(t.orm, log.signer, log.origin, pino({ level: 'silent' })).checkpoint()).note).toBe(signed.note);
  });
});

describe('proofs in GraphQL, for auditors', () => {
  const CHECKPOINT = `{ auditLogCheckpoint { size rootHash note } }`;
  const INCLUSION = `query($seq: String!, $treeSize: Int) { auditInclusionProof(seq: $seq, treeSize: $treeSize) { treeSize leafIndex leaf hashes } }`;
  const CONSISTENCY = `query($from: Int!, $to: Int) { auditConsistencyProof(fromSize: $from, toSize: $to) { treeSize fromSize hashes } }`;
  const b = (s: string) => Buffer.from(s, 'base64');

  it('proves an event in the signed tree, and an older tree the beginning of the newer one', async () => {
    const auditor = await t.as(Role.AUDITOR);
    await renameInstitutions(1);
    const older = (await t.app.auditLog.sync()).size;
    await renameInstitutions(2);
    await t.app.auditLog.sync();
    const key = parseVerifierKey(t.app.auditLog.verifierKey);
    const signed = expectOk(await auditor.raw(CHECKPOINT)).auditLogCheckpoint;
    const checkpoint = parseCheckpoint(openNote(signed.note, [key]).text);
    expect(checkpoint).toMatchObject({ size: signed.size });
    expect(checkpoint.root.toString('base64')).toBe(signed.rootHash);
    const [{ seq }] = await t.em().getConnection().execute<{ seq: string }[]>('select max(seq)::text as seq from audit_event');
    const proof = expectOk(await auditor.raw(INCLUSION, { seq })).auditInclusionProof;
    expect(parseLeaf(b(proof.leaf))).toMatchObject({ kind: 'event', ref: seq });
    expect(verifyInclusion(leafHash(b(proof.leaf)), proof.leafIndex, checkpoint.size, proof.hashes.map(b), checkpoint.root)).toBe(true);
    const consistency = expectOk(await auditor.raw(CONSISTENCY, { from: older })).auditConsistencyProof;
    const olderRoot = rootHash(readerOf((await fetchLog(key)).tiles), older);
    expect(verifyConsistency(older, checkpoint.size, olderRoot, checkpoint.root, consistency.hashes.map(b))).toBe(true);
  });

  it('names the argument at fault, and answers only auditors', async () => {
    const auditor = await t.as(Role.AUDITOR);
    const { size } = await t.app.auditLog.sync();
    const field = async (source: string, variables: Record<string, unknown>) => (await auditor.raw(source, variables)).errors?.[0]?.extensions;
    expect(await field(INCLUSION, { seq: 'abc' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'seq' });
    expect(await field(INCLUSION, { seq: '999999999' })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'seq' });
    expect(await field(INCLUSION, { seq: '1', treeSize: size + 1 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'treeSize' });
    expect(await field(CONSISTENCY, { from: 0 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fromSize' });
    expect(await field(CONSISTENCY, { from: size, to: size - 1 })).toMatchObject({ code: 'BAD_USER_INPUT', field: 'fromSize' });
    for (const source of [CHECKPOINT, INCLUSION, CONSISTENCY]) {
      const variables = { seq: '1', from: 1 };
      expect((await (await t.as(Role.ADMIN, 'KP2MI')).raw(source, variables)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await t.anonymous().raw(source, variables)).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
  });
});
