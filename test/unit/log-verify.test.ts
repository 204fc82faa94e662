/**
 * The offline verifier's checks (src/modules/audit/log/verify.ts) against each attack issue 31 names: a
 * superuser's edit of an old event, a deleted event, a reordered pair, a history forged and re-signed with a
 * stolen log key while the witnesses stay honest, and a log that shows two histories.
 */
import { describe, expect, it } from 'vitest';
import { leafHash, memoryTree, rootHash } from '../../src/modules/audit/log/merkle';
import { digestOf, leafData, parseLeaf, readDigest, type ReadContent } from '../../src/modules/audit/log/leaf';
import { checkpointText, cosign, COSIGNATURE_V1, generateSigner, signNote } from '../../src/modules/audit/log/note';
import { checkCheckpoint, checkEntries, checkHistory, isFinding, type CheckedCheckpoint, type LogCopy } from '../../src/modules/audit/log/verify';

const ORIGIN = 'sinergi.example/audit-log';
const log = generateSigner(ORIGIN).signer;
const witnesses = ['w1', 'w2', 'w3'].map((w) => generateSigner(`witness.example/${w}`, COSIGNATURE_V1).signer);
const policy = { log: [log], witnesses, quorum: 2 };

/** A personal-data read as the read log holds it. */
const readRow = (n: number): ReadContent => ({
  id: `0199aaaa-0000-7000-8000-${String(n).padStart(12, '0')}`,
  readAt: `2026-12-07T10:00:${String(n).padStart(2, '0')}.000123Z`,
  readerAccountId: '0199aaaa-0000-7000-8000-00000000aaaa',
  readerMinistryId: '0199aaaa-0000-7000-8000-00000000bbbb',
  ownerMinistryId: '0199aaaa-0000-7000-8000-00000000cccc',
  resourceType: 'TRAINEE',
  recordId: `0199aaaa-0000-7000-8000-${String(1000 + n).padStart(12, '0')}`,
  fields: ['nik', 'birthDate'],
  clauseId: '0199aaaa-0000-7000-8000-00000000dddd',
  mouId: null,
});

/** 30 entries: events 1–20 with a read after every second event. */
function history() {
  const contents = new Map<number, unknown>();
  const leaves: Buffer[] = [];
  for (let seq = 1; seq <= 20; seq++) {
    const event = { seq, operation: 'updateInstitution', entityId: `inst-${seq}`, changes: [{ field: 'name', to: `Name ${seq}` }] };
    contents.set(leaves.length, event);
    leaves.push(leafData({ kind: 'event', ref: String(seq), digest: digestOf(event) }));
    if (seq % 2 === 0) {
      const read = readRow(seq);
      contents.set(leaves.length, read);
      leaves.push(leafData({ kind: 'read', ref: read.id, digest: readDigest(read) }));
    }
  }
  return { leaves, contents };
}

/** The checkpoint of `leaves`, signed by the log and cosigned by `by` witnesses. */
function checkpointOf(leaves: readonly Buffer[], by = witnesses.slice(0, 2), size = leaves.length): string {
  const text = checkpointText({ origin: ORIGIN, size, root: rootHash(memoryTree(leaves.map(leafHash)), size) });
  return signNote(
    text,
    [log],
    by.map((w) => cosign(text, w, 1_765_000_000)),
  );
}

const checked = (note: string): CheckedCheckpoint => {
  const c = checkCheckpoint(note, policy, ORIGIN);
  if (isFinding(c)) throw new Error(c.message);
  return c;
};
const kinds = (copy: LogCopy, note: string) => checkEntries(checked(note).checkpoint, copy).map((f) => f.kind);

describe('the offline verifier', () => {
  it('accepts the honest log: every signature, leaf, content and the root', () => {
    const copy = history();
    const c = checked(checkpointOf(copy.leaves));
    expect(c.cosigners).toEqual(['witness.example/w1', 'witness.example/w2']);
    expect(checkEntries(c.checkpoint, copy)).toEqual([]);
  });

  it("catches a superuser's edit of an old event: its content no longer matches its leaf", () => {
    const copy = history();
    const note = checkpointOf(copy.leaves);
    const contents = new Map(copy.contents);
    contents.set(3, { ...(contents.get(3) as object), changes: [{ field: 'name', to: 'Something else' }] });
    const findings = checkEntries(checked(note).checkpoint, { ...copy, contents });
    expect(findings.map((f) => f.kind)).toEqual(['content']);
    expect(findings[0].message).toMatch(/^entry 3 \(event 3\): its content is not what the log recorded/);
  });

  it('catches an edit that rewrote the leaf too: the root no longer matches the signed checkpoint', () => {
    const copy = history();
    const note = checkpointOf(copy.leaves);
    const leaves = [...copy.leaves];
    const edited = { seq: 3, operation: 'updateInstitution', entityId: 'inst-3', changes: [] };
    leaves[3] = leafData({ kind: 'event', ref: '3', digest: digestOf(edited) });
    const contents = new Map(copy.contents).set(3, edited);
    expect(kinds({ leaves, contents }, note)).toEqual(['root']);
  });

  it('catches a deleted event: one entry short, and a gap in the events', () => {
    const copy = history();
    const note = checkpointOf(copy.leaves);
    const leaves = copy.leaves.filter((_, i) => i !== 6);
    const findings = checkEntries(checked(note).checkpoint, { leaves });
    expect(findings.map((f) => f.kind)).toEqual(['size', 'order']);
    expect(findings[1].message).toMatch(/event 6 follows event 4: 1 missing/);
  });

  it('catches a reordered pair of events', () => {
    const copy = history();
    const note = checkpointOf(copy.leaves);
    const leaves = [...copy.leaves];
    [leaves[0], leaves[1]] = [leaves[1], leaves[0]];
    expect(kinds({ leaves }, note)).toEqual(['order', 'order', 'root']);
  });

  it('refuses a history forged and re-signed with the stolen log key, the witnesses being honest', () => {
    const copy = history();
    const forged = [...copy.leaves];
    forged[3] = leafData({ kind: 'event', ref: '3', digest: digestOf({ forged: true }) });
    // No honest witness cosigns it: the log's signature alone is not enough.
    const alone = checkCheckpoint(checkpointOf(forged, []), policy, ORIGIN);
    expect(alone).toMatchObject({ kind: 'witnesses' });
    expect((alone as { message: string }).message).toMatch(/cosigned by 0 of the required 2 witnesses/);
    // The honest checkpoint's cosignatures copied onto the forged one do not verify.
    const honest = checkpointOf(copy.leaves);
    const stolen = honest
      .slice(honest.indexOf('\n\n') + 2)
      .split('\n')
      .filter((l) => l.includes('witness'));
    const forgedNote = checkpointOf(forged, []).concat(stolen.join('\n'), '\n');
    expect(checkCheckpoint(forgedNote, policy, ORIGIN)).toMatchObject({
      kind: 'signature',
      message: expect.stringMatching(/witness\.example\/w\d does not verify/),
    });
  });

  it('refuses a checkpoint not signed by the log, or of another log', () => {
    const copy = history();
    const other = generateSigner(ORIGIN).signer;
    const text = checkpointText({ origin: ORIGIN, size: copy.leaves.length, root: rootHash(memoryTree(copy.leaves.map(leafHash)), copy.leaves.length) });
    expect(checkCheckpoint(signNote(text, [other]), policy, ORIGIN)).toMatchObject({ kind: 'signature' });
    expect(checkCheckpoint(checkpointOf(copy.leaves), policy, 'elsewhere.example/log')).toMatchObject({ kind: 'origin' });
  });

  it('proves a split view with both signed checkpoints, and a rollback', () => {
    const copy = history();
    const kept = checked(checkpointOf(copy.leaves));
    // The log shows another auditor a different history of the same size (and, say, corrupt witnesses sign it).
    const other = [...copy.leaves];
    other[10] = leafData({ kind: 'event', ref: parseLeaf(other[10])!.ref, digest: digestOf({ other: true }) });
    const shown = checked(checkpointOf(other));
    const [split] = checkHistory(kept, shown, { leaves: other });
    expect(split.kind).toBe('split-view');
    expect(split.evidence).toContain(kept.note);
    expect(split.evidence).toContain(shown.note);
    // Grown, but from a rewritten prefix.
    const grown = [...other, leafData({ kind: 'event', ref: '21', digest: digestOf({ seq: 21 }) })];
    expect(checkHistory(kept, checked(checkpointOf(grown)), { leaves: grown })[0]).toMatchObject({
      kind: 'split-view',
      message: expect.stringMatching(/rewritten/),
    });
    // Grown honestly: consistent.
    const honest = [...copy.leaves, leafData({ kind: 'event', ref: '21', digest: digestOf({ seq: 21 }) })];
    expect(checkHistory(kept, checked(checkpointOf(honest)), { leaves: honest })).toEqual([]);
    // Older than what was kept.
    expect(checkHistory(checked(checkpointOf(honest)), kept, { leaves: honest })[0]).toMatchObject({ kind: 'rollback' });
  });
});

describe('leaves', () => {
  it('hold a version, a kind, a reference and a digest, in one spelling only', () => {
    const leaf = { kind: 'read', ref: '0199aaaa-0000-7000-8000-000000000001', digest: digestOf({ a: 1 }) } as const;
    const data = leafData(leaf);
    expect(data.toString()).toBe(`sinergi-audit-log-leaf/v1\nread\n${leaf.ref}\n${leaf.digest}\n`);
    expect(parseLeaf(data)).toEqual(leaf);
    expect(parseLeaf(Buffer.from(data.toString().toUpperCase()))).toBeNull();
    expect(parseLeaf(Buffer.concat([data, Buffer.from('\n')]))).toBeNull();
    expect(parseLeaf(Buffer.from(data.toString().replace('read', 'write')))).toBeNull();
    expect(() => leafData({ ...leaf, digest: 'abc' })).toThrow(RangeError);
    // The digest is of the canonical form: key order does not matter, values do.
    expect(digestOf({ b: 2, a: 1 })).toBe(digestOf({ a: 1, b: 2 }));
    expect(digestOf({ a: 1 })).not.toBe(digestOf({ a: 2 }));
  });
});
