/**
 * The audit log's Merkle tree (src/modules/audit/log/merkle.ts) against a reference written straight from
 * RFC 9162's recursive definitions (MTH, PATH, PROOF), over leaf data rather than stored subtrees: every
 * root, inclusion proof and consistency proof of trees of 1 to 300 leaves, and the verifiers' answers to
 * good proofs and to each way of spoiling one.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  consistencyProof,
  EMPTY_ROOT,
  inclusionProof,
  memoryTree,
  rangeOutside,
  rangeTree,
  rootHash,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from '../../src/modules/audit/log/merkle';

// ── The reference: RFC 9162 §2.1, word for word, recursive, from the data ──
const sha = (...parts: Uint8Array[]) => parts.reduce((h, p) => h.update(p), createHash('sha256')).digest();
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1);
function mth(d: Buffer[]): Buffer {
  if (d.length === 0) return sha();
  if (d.length === 1) return sha(Buffer.from([0]), d[0]);
  return sha(Buffer.from([1]), mth(d.slice(0, k(d.length))), mth(d.slice(k(d.length))));
}
function path(m: number, d: Buffer[]): Buffer[] {
  if (d.length === 1) return [];
  const s = k(d.length);
  return m < s ? [...path(m, d.slice(0, s)), mth(d.slice(s))] : [...path(m - s, d.slice(s)), mth(d.slice(0, s))];
}
function subproof(m: number, d: Buffer[], b: boolean): Buffer[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const s = k(d.length);
  return m <= s ? [...subproof(m, d.slice(0, s), b), mth(d.slice(s))] : [...subproof(m - s, d.slice(s), false), mth(d.slice(0, s))];
}

const data = Array.from({ length: 300 }, (_, i) => Buffer.from(`leaf ${i}`));
const leafHashes = data.map((d) => sha(Buffer.from([0]), d));
const read = memoryTree(leafHashes);
const hex = (hs: readonly Hash[]) => hs.map((h) => h.toString('hex'));

describe('the audit log tree', () => {
  it('has the root RFC 9162 defines, for every size from 0 to 300', () => {
    expect(rootHash(read, 0)).toEqual(EMPTY_ROOT);
    for (let n = 1; n <= 300; n++) expect(rootHash(read, n).toString('hex'), `size ${n}`).toBe(mth(data.slice(0, n)).toString('hex'));
  });

  it('proves inclusion of every leaf of every tree up to 130 leaves, and of sampled leaves up to 300', () => {
    let checked = 0;
    for (let n = 1; n <= 300; n++) {
      const root = mth(data.slice(0, n));
      const indexes = n <= 130 ? Array.from({ length: n }, (_, i) => i) : [0, 1, n >> 1, n - 2, n - 1];
      for (const m of indexes) {
        const proof = inclusionProof(read, m, n);
        expect(hex(proof), `leaf ${m} of ${n}`).toEqual(hex(path(m, data.slice(0, n))));
        expect(verifyInclusion(leafHashes[m], m, n, proof, root)).toBe(true);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(8_000);
  });

  it('proves every tree up to 100 leaves consistent with each of its prefixes, and sampled pairs up to 300', () => {
    let checked = 0;
    const pairs: [number, number][] = [];
    for (let n = 1; n <= 100; n++) for (let m = 1; m <= n; m++) pairs.push([m, n]);
    for (let n = 101; n <= 300; n += 7) for (const m of [1, 2, 64, 100, n >> 1, n - 1, n]) pairs.push([m, n]);
    for (const [m, n] of pairs) {
      const proof = consistencyProof(read, m, n);
      expect(hex(proof), `${m} → ${n}`).toEqual(hex(subproof(m, data.slice(0, n), true)));
      expect(verifyConsistency(m, n, mth(data.slice(0, m)), mth(data.slice(0, n)), proof), `${m} → ${n}`).toBe(true);
      checked++;
    }
    expect(checked).toBeGreaterThan(5_000);
  });

  it('refuses an inclusion proof for another leaf, index, size or root, or with a hash changed, missing or added', () => {
    const n = 77;
    const root = rootHash(read, n);
    for (const m of [0, 5, 38, 64, 76]) {
      const proof = inclusionProof(read, m, n);
      expect(verifyInclusion(leafHashes[m + 1] ?? leafHashes[0], m, n, proof, root)).toBe(false);
      expect(verifyInclusion(leafHashes[m], m === 0 ? 1 : m - 1, n, proof, root)).toBe(false);
      // (A size of the same shape is not caught here: the signed checkpoint binds the size to its root.)
      expect(verifyInclusion(leafHashes[m], m, n * 2, proof, root)).toBe(false);
      expect(verifyInclusion(leafHashes[m], m, n, proof, rootHash(read, n - 1))).toBe(false);
      expect(verifyInclusion(leafHashes[m], m, n, proof.slice(1), root)).toBe(false);
      expect(verifyInclusion(leafHashes[m], m, n, [...proof, leafHashes[3]], root)).toBe(false);
      const spoiled = proof.map((h, i) => (i === proof.length - 1 ? Buffer.from(h).fill(7, 0, 1) : h));
      expect(verifyInclusion(leafHashes[m], m, n, spoiled, root)).toBe(false);
      expect(verifyInclusion(leafHashes[m], n, n, proof, root)).toBe(false);
    }
  });

  it('refuses a consistency proof between histories that differ, or with a hash changed, missing or added', () => {
    for (const [m, n] of [
      [1, 2],
      [3, 7],
      [4, 9],
      [64, 65],
      [100, 257],
    ] as const) {
      const proof = consistencyProof(read, m, n);
      const [oldRoot, newRoot] = [rootHash(read, m), rootHash(read, n)];
      // A forked history: the same size, one leaf changed.
      const forked = memoryTree(leafHashes.map((h, i) => (i === m - 1 ? leafHashes[299] : h)));
      expect(verifyConsistency(m, n, rootHash(forked, m), newRoot, proof)).toBe(false);
      expect(verifyConsistency(m, n, oldRoot, rootHash(forked, n), consistencyProof(forked, m, n))).toBe(false);
      expect(verifyConsistency(m, n, oldRoot, newRoot, proof.slice(0, -1))).toBe(false);
      expect(verifyConsistency(m, n, oldRoot, newRoot, [...proof, leafHashes[0]])).toBe(false);
      expect(
        verifyConsistency(
          m,
          n,
          oldRoot,
          newRoot,
          proof.map((h, i) => (i === 0 ? Buffer.from(h).fill(9, 0, 1) : h)),
        ),
      ).toBe(false);
      expect(verifyConsistency(m, n * 2, oldRoot, newRoot, proof)).toBe(false);
      expect(verifyConsistency(m, n, oldRoot, newRoot, [])).toBe(false);
    }
    expect(verifyConsistency(5, 5, rootHash(read, 5), rootHash(read, 5), [])).toBe(true);
    expect(verifyConsistency(5, 5, rootHash(read, 5), rootHash(read, 6), [])).toBe(false);
  });
});

describe('a range of entries with the subtrees outside it', () => {
  it('gives the root of every tree of 1 to 300 leaves, from any range, asking only for the subtrees it names', () => {
    for (let size = 1; size <= 300; size += size < 40 ? 1 : 7) {
      const tree = memoryTree(leafHashes.slice(0, size));
      const root = mth(data.slice(0, size));
      const ranges = [
        [0, size],
        [0, 1],
        [size - 1, size],
        [Math.floor(size / 3), Math.max(Math.floor(size / 3) + 1, Math.floor((2 * size) / 3))],
      ];
      for (const [first, end] of ranges) {
        const named = new Set(rangeOutside(first, end, size).map(([l, i]) => `${l}/${i}`));
        const asked = new Set<string>();
        const outside = (level: number, index: number) => {
          asked.add(`${level}/${index}`);
          return tree(level, index);
        };
        expect(rootHash(rangeTree(first, leafHashes.slice(first, end), outside), size).equals(root), `${size} [${first}, ${end})`).toBe(true);
        expect([...asked].sort()).toEqual([...named].sort());
        // One leaf changed in the range, or one hash outside it: another root.
        const spoiled = leafHashes.slice(first, end).map((h, i) => (i === 0 ? sha(h) : h));
        expect(rootHash(rangeTree(first, spoiled, outside), size).equals(root)).toBe(false);
      }
    }
  });

  it('refuses a range that is empty or outside the tree', () => {
    expect(() => rangeOutside(3, 3, 10)).toThrow(RangeError);
    expect(() => rangeOutside(0, 11, 10)).toThrow(RangeError);
  });
});
