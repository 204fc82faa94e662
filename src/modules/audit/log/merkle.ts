/**
 * The Merkle tree of the audit log, hashed as RFC 9162 §2.1 (Certificate
 * Transparency v2): a leaf's hash is SHA-256(0x00 || data), an inner node's
 * SHA-256(0x01 || left || right), and a tree of n leaves splits at the
 * largest power of two below n. Inclusion and consistency proofs, and their
 * verification, as RFC 9162 §2.1.3 and §2.1.4 define them.
 *
 * Pure functions over hashes: whoever holds the leaves' hashes (the server,
 * a witness, the offline verifier) computes the same roots and proofs. The
 * server reads the hashes it needs from stored subtree hashes (tiles), not
 * from every leaf: `HashReader` is how a proof asks for them.
 */
import { createHash } from 'node:crypto';

export type Hash = Buffer;

const LEAF = Buffer.from([0x00]);
const NODE = Buffer.from([0x01]);

export const leafHash = (data: Uint8Array): Hash => createHash('sha256').update(LEAF).update(data).digest();
export const nodeHash = (left: Hash, right: Hash): Hash => createHash('sha256').update(NODE).update(left).update(right).digest();
/** The root of the empty tree: the hash of nothing. */
export const EMPTY_ROOT: Hash = createHash('sha256').digest();

/** The largest power of two smaller than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Reads the hash of the complete subtree of `2^level` leaves whose first leaf is `index * 2^level` — the
 * only subtrees a proof or a root needs besides the right edge, which `subtreeHash` builds from them.
 */
export type HashReader = (level: number, index: number) => Hash;

/** The hash of leaves [start, end) of the tree, from the complete subtrees `read` gives. */
export function subtreeHash(read: HashReader, start: number, end: number): Hash {
  const n = end - start;
  if (n <= 0) throw new RangeError('an empty range has no subtree hash');
  // A complete, aligned subtree is read whole.
  if ((n & (n - 1)) === 0 && start % n === 0) return read(Math.log2(n), start / n);
  const k = splitPoint(n);
  return nodeHash(subtreeHash(read, start, start + k), subtreeHash(read, start + k, end));
}

/** The root of a tree of `size` leaves (RFC 9162's MTH). */
export const rootHash = (read: HashReader, size: number): Hash => (size === 0 ? EMPTY_ROOT : subtreeHash(read, 0, size));

/** The inclusion proof of leaf `index` in the tree of `size` leaves (RFC 9162 §2.1.3.1, PATH(m, D[n])). */
export function inclusionProof(read: HashReader, index: number, size: number): Hash[] {
  if (!(index >= 0 && index < size)) throw new RangeError(`leaf ${index} is not in a tree of ${size}`);
  const path: Hash[] = [];
  let [start, end, m] = [0, size, index];
  // Walk down from the root; each sibling is collected, then the list is reversed (leaf first).
  while (end - start > 1) {
    const k = splitPoint(end - start);
    if (m < k) {
      path.push(subtreeHash(read, start + k, end));
      end = start + k;
    } else {
      path.push(subtreeHash(read, start, start + k));
      start += k;
      m -= k;
    }
  }
  return path.reverse();
}

/** The consistency proof between the trees of `from` and `to` leaves (RFC 9162 §2.1.4.1, PROOF(m, D[n])). */
export function consistencyProof(read: HashReader, from: number, to: number): Hash[] {
  if (!(from >= 0 && from <= to)) throw new RangeError(`no consistency proof from ${from} to ${to}`);
  if (from === 0 || from === to) return [];
  const proof: Hash[] = [];
  // SUBPROOF(m, D[start:end], b), iteratively: b is true while the old tree is a complete subtree seen so far.
  let [start, end, m, whole] = [0, to, from, true];
  for (;;) {
    const n = end - start;
    if (m === n) {
      if (!whole) proof.push(subtreeHash(read, start, end));
      break;
    }
    const k = splitPoint(n);
    if (m <= k) {
      proof.push(subtreeHash(read, start + k, end));
      end = start + k;
    } else {
      proof.push(subtreeHash(read, start, start + k));
      start += k;
      m -= k;
      whole = false;
    }
  }
  return proof.reverse();
}

const equal = (a: Hash, b: Hash) => a.length === b.length && a.equals(b);

/** Whether `proof` proves leaf `index` with hash `leaf` is in the tree of `size` leaves with root `root` (RFC 9162 §2.1.3.2). */
export function verifyInclusion(leaf: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): boolean {
  if (!(index >= 0 && index < size)) return false;
  let [fn, sn] = [index, size - 1];
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else r = nodeHash(r, p);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && equal(r, root);
}

/**
 * Whether `proof` proves the tree of `from` leaves with root `fromRoot` is a prefix of the tree of `to`
 * leaves with root `toRoot` (RFC 9162 §2.1.4.2).
 */
export function verifyConsistency(from: number, to: number, fromRoot: Hash, toRoot: Hash, proof: readonly Hash[]): boolean {
  if (from < 0 || from > to) return false;
  if (from === to) return proof.length === 0 && equal(fromRoot, toRoot);
  if (from === 0) return proof.length === 0;
  if (proof.length === 0) return false;
  const path = [...proof];
  // A power of two: the old root is the first node of the path.
  if ((from & (from - 1)) === 0) path.unshift(fromRoot);
  let [fn, sn] = [from - 1, to - 1];
  while (fn % 2 === 1) [fn, sn] = [fn >> 1, sn >> 1];
  let [fr, sr] = [path[0], path[0]];
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) [fn, sn] = [fn >> 1, sn >> 1];
    } else sr = nodeHash(sr, c);
    [fn, sn] = [fn >> 1, sn >> 1];
  }
  return sn === 0 && equal(fr, fromRoot) && equal(sr, toRoot);
}

/** The complete subtrees a tree of `size` leaves splits into, left to right: what its root is made of. */
function* perfectSubtrees(size: number): Generator<[level: number, index: number]> {
  for (let start = 0; start < size;) {
    let level = 0;
    while (2 ** (level + 1) <= size - start) level++;
    yield [level, start / 2 ** level];
    start += 2 ** level;
  }
}

/**
 * The complete subtrees outside leaves [first, end) whose hashes, with those leaves, give the root of the
 * tree of `size` leaves: what a bundle of a range of entries carries beside them (at most two per level).
 */
export function rangeOutside(first: number, end: number, size: number): [level: number, index: number][] {
  if (!(first >= 0 && first < end && end <= size)) throw new RangeError(`no range [${first}, ${end}) in a tree of ${size}`);
  const out: [number, number][] = [];
  const visit = (level: number, index: number) => {
    const [lo, hi] = [index * 2 ** level, (index + 1) * 2 ** level];
    if (hi <= first || lo >= end) out.push([level, index]);
    else if (lo < first || hi > end) {
      visit(level - 1, 2 * index);
      visit(level - 1, 2 * index + 1);
    }
  };
  for (const [level, index] of perfectSubtrees(size)) visit(level, index);
  return out;
}

/**
 * A `HashReader` over leaves [first, first + leaves.length) given by their hashes, and the complete
 * subtrees outside them (`rangeOutside`) given by `outside(level, index)`: with it, `rootHash` recomputes
 * the root of the whole tree from a range of its entries.
 */
export function rangeTree(first: number, leaves: readonly Hash[], outside: HashReader): HashReader {
  const end = first + leaves.length;
  const read: HashReader = (level, index) => {
    const [lo, hi] = [index * 2 ** level, (index + 1) * 2 ** level];
    if (hi <= first || lo >= end) return outside(level, index);
    if (level === 0) return leaves[lo - first];
    return nodeHash(read(level - 1, 2 * index), read(level - 1, 2 * index + 1));
  };
  return read;
}

/**
 * The complete subtrees of a list of leaf hashes, level by level: what `HashReader` reads. For trees held
 * in memory (a witness, the offline verifier, tests); the server keeps the same hashes as tiles.
 */
export function memoryTree(leaves: readonly Hash[]): HashReader {
  const levels: Hash[][] = [[...leaves]];
  while (levels[levels.length - 1].length > 1) {
    const below = levels[levels.length - 1];
    const above: Hash[] = [];
    for (let i = 0; i + 1 < below.length; i += 2) above.push(nodeHash(below[i], below[i + 1]));
    levels.push(above);
  }
  return (level, index) => {
    const hash = levels[level]?.[index];
    if (!hash) throw new RangeError(`no complete subtree at level ${level}, index ${index}`);
    return hash;
  };
}
