/**
 * The offline verifier's checks: pure functions of what an auditor was given
 * (the log's and the witnesses' public keys, signed checkpoints, the log's
 * entries and the contents it may read) — no database, no secret, no
 * network. Each finding says exactly what failed, and where two checkpoints
 * signed by the log disagree, it carries both notes: the proof that the log
 * showed two histories, to hand to someone else.
 */
import { leafHash, memoryTree, rangeTree, rootHash, verifyConsistency, verifyInclusion, type HashReader } from './merkle';
import { contentDigest, parseLeaf } from './leaf';
import { NoteError, openNote, parseCheckpoint, type Checkpoint, type Verifier } from './note';

export interface TrustPolicy {
  /** The log's verifier keys: the current one, and older ones whose checkpoints still count. */
  log: readonly Verifier[];
  /** Witnesses whose cosignatures count, and how many must have cosigned a checkpoint. */
  witnesses: readonly Verifier[];
  quorum: number;
}

export type FindingKind =
  'format' | 'signature' | 'witnesses' | 'origin' | 'size' | 'leaf' | 'order' | 'content' | 'missing' | 'root' | 'split-view' | 'rollback';

export interface Finding {
  kind: FindingKind;
  message: string;
  /** For a split view: both signed checkpoints, as received. */
  evidence?: string;
}

export interface CheckedCheckpoint {
  checkpoint: Checkpoint;
  note: string;
  /** The witnesses (by name) whose cosignatures verified. */
  cosigners: string[];
}

/** A checkpoint signed by one of the log's keys and cosigned by a quorum of witnesses, or what is wrong with it. */
export function checkCheckpoint(note: string, policy: TrustPolicy, origin: string): CheckedCheckpoint | Finding {
  let opened;
  try {
    opened = openNote(note, [...policy.log, ...policy.witnesses]);
  } catch (e) {
    if (e instanceof NoteError) return { kind: 'signature', message: `checkpoint refused: ${e.message}` };
    throw e;
  }
  if (!opened.verified.some((v) => policy.log.includes(v.verifier)))
    return { kind: 'signature', message: 'the checkpoint is not signed by the log: only witnesses signed it' };
  let checkpoint: Checkpoint;
  try {
    checkpoint = parseCheckpoint(opened.text);
  } catch (e) {
    return { kind: 'signature', message: `not a checkpoint: ${(e as Error).message}` };
  }
  if (checkpoint.origin !== origin) return { kind: 'origin', message: `the checkpoint is of log "${checkpoint.origin}", not "${origin}"` };
  const cosigners = [...new Set(opened.verified.filter((v) => policy.witnesses.includes(v.verifier)).map((v) => v.verifier.name))];
  if (cosigners.length < policy.quorum)
    return {
      kind: 'witnesses',
      message: `the checkpoint of size ${checkpoint.size} is cosigned by ${cosigners.length} of the required ${policy.quorum} witnesses (${cosigners.join(', ') || 'none'}): a history no witness checked may be a forged one`,
    };
  return { checkpoint, note, cosigners };
}

export const isFinding = (x: unknown): x is Finding => typeof x === 'object' && x !== null && 'kind' in x && 'message' in x;

/** The log as the auditor holds it: every leaf's bytes from the first, in order, and the contents it may read. */
export interface LogCopy {
  leaves: readonly Buffer[];
  /** Content by leaf index, for the leaves whose content the auditor was given. */
  contents?: ReadonlyMap<number, unknown>;
}

/**
 * Checks the entries against a checkpoint: each leaf well formed, events in order with none missing, each
 * content given matching its leaf's digest, and the tree of the first `checkpoint.size` leaves having the
 * checkpoint's root.
 */
export function checkEntries(checkpoint: Checkpoint, copy: LogCopy): Finding[] {
  const findings: Finding[] = [];
  if (copy.leaves.length < checkpoint.size)
    findings.push({ kind: 'size', message: `the checkpoint counts ${checkpoint.size} entries; ${copy.leaves.length} were given` });
  const leaves = copy.leaves.slice(0, checkpoint.size);
  const checker = new LeafChecker(0, false);
  leaves.forEach((leaf, index) => checker.add(leaf, copy.contents?.get(index)));
  findings.push(...checker.findings);
  if (leaves.length === checkpoint.size) {
    const root = rootHash(memoryTree(checker.hashes), checkpoint.size);
    if (!root.equals(checkpoint.root))
      findings.push({
        kind: 'root',
        message: `the ${checkpoint.size} entries give root ${root.toString('base64')}, the checkpoint says ${checkpoint.root.toString('base64')}: an entry was changed, removed or moved`,
      });
  }
  return findings;
}

/**
 * The consecutive leaves from index `first`, one at a time: each well formed, given once, events in order
 * with none missing between them (and none before the first when `first` is 0), and its content, when
 * given, what its digest is of. `contentRequired`: a leaf without content is a finding (an auditor's
 * bundle, who may read every event and read: a leaf with no content is a row gone from the database).
 * Keeps each leaf's hash, for the root.
 */
class LeafChecker {
  readonly findings: Finding[] = [];
  readonly hashes: Buffer[] = [];
  contents = 0;
  private lastEvent: bigint | null;
  private readonly seen = new Set<string>();

  constructor(
    private readonly first: number,
    private readonly contentRequired: boolean,
  ) {
    this.lastEvent = first === 0 ? 0n : null;
  }

  add(data: Buffer, content: unknown): void {
    const index = this.first + this.hashes.length;
    this.hashes.push(leafHash(data));
    const leaf = parseLeaf(data);
    if (!leaf) return void this.findings.push({ kind: 'leaf', message: `entry ${index} is not a leaf of this log` });
    const key = `${leaf.kind}:${leaf.ref}`;
    if (this.seen.has(key)) this.findings.push({ kind: 'order', message: `entry ${index} repeats ${leaf.kind} ${leaf.ref}` });
    this.seen.add(key);
    if (leaf.kind === 'event') this.event(index, BigInt(leaf.ref));
    if (content === undefined || content === null) {
      if (this.contentRequired)
        this.findings.push({
          kind: 'missing',
          message: `entry ${index} (${leaf.kind} ${leaf.ref}): the log holds it, but its content was not given: the ${leaf.kind} is gone from the database`,
        });
      return;
    }
    let digest: string;
    try {
      digest = contentDigest(leaf.kind, content);
    } catch {
      digest = '(none: malformed content)';
    }
    if (digest === leaf.digest) this.contents++;
    else
      this.findings.push({
        kind: 'content',
        message: `entry ${index} (${leaf.kind} ${leaf.ref}): its content is not what the log recorded (digest ${digest}, leaf ${leaf.digest})`,
      });
  }

  private event(index: number, seq: bigint): void {
    const last = this.lastEvent;
    if (last !== null && seq <= last) this.findings.push({ kind: 'order', message: `entry ${index}: event ${seq} comes after event ${last} (reordered)` });
    else if (last !== null && seq !== last + 1n)
      this.findings.push({ kind: 'order', message: `entry ${index}: event ${seq} follows event ${last}: ${seq - last - 1n} missing` });
    this.lastEvent = last === null || seq > last ? seq : last;
  }
}

/**
 * Checks a newer checkpoint against one kept from before: the same size must have the same root, and the
 * newer tree must contain the older one. With the entries at hand, the older root is recomputed from them.
 */
export function checkHistory(kept: CheckedCheckpoint, current: CheckedCheckpoint, copy: LogCopy): Finding[] {
  const old = kept.checkpoint;
  const early = sameOrOlder(kept, current);
  if (early) return early;
  if (copy.leaves.length < old.size) return [{ kind: 'size', message: `the kept checkpoint counts ${old.size} entries; ${copy.leaves.length} were given` }];
  const root = rootHash(treeOf(copy.leaves.slice(0, old.size)), old.size);
  return root.equals(old.root) ? [] : [rewritten(kept, current)];
}

/** What a kept checkpoint and a current one show when the current is not larger; null when it is. */
function sameOrOlder(kept: CheckedCheckpoint, current: CheckedCheckpoint): Finding[] | null {
  const [old, now] = [kept.checkpoint, current.checkpoint];
  const evidence = `${kept.note}\n${current.note}`;
  if (old.size === now.size)
    return old.root.equals(now.root)
      ? []
      : [
          {
            kind: 'split-view',
            message: `two checkpoints of size ${old.size}, both signed by the log, with different roots: the log showed two histories`,
            evidence,
          },
        ];
  if (old.size > now.size)
    return [
      { kind: 'rollback', message: `the current checkpoint (size ${now.size}) is older than one kept before (size ${old.size}): the log went back`, evidence },
    ];
  return null;
}

const rewritten = (kept: CheckedCheckpoint, current: CheckedCheckpoint): Finding => ({
  kind: 'split-view',
  message: `the tree of ${kept.checkpoint.size} kept before is not the beginning of this tree of ${current.checkpoint.size}: the history was rewritten`,
  evidence: `${kept.note}\n${current.note}`,
});

const treeOf = (leaves: readonly Buffer[]): HashReader => memoryTree(leaves.map(leafHash));

export const BUNDLE_FORMAT = 'sinergi-audit-bundle/v1';

/**
 * What `GET /audit/bundle` gives an auditor, as JSON lines: this head, then one line per entry (`BundleEntry`).
 * Lines, so that a bundle of millions of entries is read and checked one entry at a time.
 */
export interface BundleHead {
  format: string;
  origin: string;
  /** The log's verifier key as the server states it: informative only, the verifier trusts its own. */
  logKey: string;
  /** The checkpoint the entries are proven against, with its cosignatures. */
  checkpoint: string;
  treeSize: number;
  /** Entries [from, to). */
  from: number;
  to: number;
  /** The subtrees outside the range that, with its entries, give the checkpoint's root (merkle.ts `rangeOutside`). */
  outside: { level: number; index: number; hash: string }[];
  /** Asked with `since`: the consistency proof from the tree of that size (a checkpoint the auditor kept). */
  consistency: { fromSize: number; proof: string[] } | null;
}

export interface BundleEntry {
  /** The leaf's bytes, base64. */
  leaf: string;
  /** What its digest is of; null when the server did not give it. */
  content: Record<string, unknown> | null;
}

export interface BundleReport {
  /** The checkpoint, when it verified; its size and cosigners. */
  checkpoint: CheckedCheckpoint | null;
  entries: number;
  /** Entries whose content was given and matched. */
  contents: number;
  findings: Finding[];
}

/**
 * Everything the offline verifier checks in a bundle, fed one entry at a time: the checkpoint's signatures
 * (the log's key and a quorum of witnesses), every entry's leaf and content, the root rebuilt from the
 * entries and the subtrees around them, and — given a checkpoint kept from before — that the log did not
 * go back or fork since.
 */
export class BundleChecker {
  private readonly report: BundleReport = { checkpoint: null, entries: 0, contents: 0, findings: [] };
  private readonly leaves: LeafChecker;

  constructor(
    private readonly head: BundleHead,
    private readonly policy: TrustPolicy,
    private readonly origin: string,
  ) {
    this.leaves = new LeafChecker(Number.isInteger(head?.from) ? head.from : 0, true);
    if (head?.format !== BUNDLE_FORMAT || !Array.isArray(head.outside)) {
      this.report.findings.push({ kind: 'format', message: `not a bundle of this log (${BUNDLE_FORMAT})` });
      return;
    }
    const checked = checkCheckpoint(head.checkpoint, policy, origin);
    if (isFinding(checked)) this.report.findings.push(checked);
    else this.report.checkpoint = checked;
  }

  add(entry: BundleEntry): void {
    this.leaves.add(Buffer.from(String(entry?.leaf ?? ''), 'base64'), entry?.content);
  }

  /** The report, once every entry was added; `kept`: a checkpoint note kept from before. */
  finish(kept?: string): BundleReport {
    const { report, head } = this;
    const checked = report.checkpoint;
    report.entries = this.leaves.hashes.length;
    report.contents = this.leaves.contents;
    if (!checked) return report;
    report.findings.push(...this.leaves.findings);
    const { checkpoint } = checked;
    const count = this.leaves.hashes.length;
    if (head.treeSize !== checkpoint.size || !(head.from >= 0 && count > 0 && head.from + count === head.to && head.to <= checkpoint.size)) {
      report.findings.push({
        kind: 'size',
        message: `the bundle says entries ${head.from}–${head.to - 1} of a tree of ${head.treeSize}; it holds ${count}, and the checkpoint counts ${checkpoint.size}`,
      });
      return report;
    }
    const root = this.root(checkpoint.size);
    if (root && !root.equals(checkpoint.root))
      report.findings.push({
        kind: 'root',
        message: `entries ${head.from}–${head.to - 1} with the subtrees around them give root ${root.toString('base64')}, the checkpoint says ${checkpoint.root.toString('base64')}: an entry was changed, removed or moved`,
      });
    if (kept !== undefined) report.findings.push(...checkKept(kept, checked, head.consistency, this.policy, this.origin));
    return report;
  }

  private root(size: number): Buffer | null {
    const outside = new Map(this.head.outside.map((o) => [`${o.level}/${o.index}`, Buffer.from(String(o.hash), 'base64')]));
    try {
      return rootHash(
        rangeTree(this.head.from, this.leaves.hashes, (level, index) => {
          const hash = outside.get(`${level}/${index}`);
          if (!hash || hash.length !== 32) throw new RangeError(`the hash of subtree ${level}/${index} is not in the bundle`);
          return hash;
        }),
        size,
      );
    } catch (e) {
      this.report.findings.push({ kind: 'root', message: `the root cannot be rebuilt: ${(e as Error).message}` });
      return null;
    }
  }
}

/** A checkpoint kept from before against the bundle's: same size, same root; older, proven the newer's beginning. */
function checkKept(kept: string, current: CheckedCheckpoint, proof: BundleHead['consistency'], policy: TrustPolicy, origin: string): Finding[] {
  // Its witnesses were counted when it was kept; now only the log's signature matters.
  const before = checkCheckpoint(kept, { ...policy, witnesses: [], quorum: 0 }, origin);
  if (isFinding(before)) return [{ ...before, message: `the checkpoint kept before: ${before.message}` }];
  const early = sameOrOlder(before, current);
  if (early) return early;
  const [old, now] = [before.checkpoint, current.checkpoint];
  if (!proof || proof.fromSize !== old.size)
    return [{ kind: 'size', message: `no consistency proof from the kept size ${old.size}: download the bundle with since=${old.size}` }];
  return verifyConsistency(
    old.size,
    now.size,
    old.root,
    now.root,
    proof.proof.map((h) => Buffer.from(String(h), 'base64')),
  )
    ? []
    : [rewritten(before, current)];
}

/** A read's proof as the data-subject report carries it: its leaf, the content the leaf's digest is of, and the inclusion proof. */
export interface ReadProof {
  leafIndex: number;
  /** base64 */
  leaf: string;
  content: Record<string, unknown>;
  /** base64, leaf side first */
  hashes: string[];
}

/** That a read is in the tree of a checkpoint: its content digests to its leaf, and the leaf is included. */
export function checkReadProof(checkpoint: Checkpoint, proof: ReadProof): Finding | null {
  const data = Buffer.from(String(proof.leaf), 'base64');
  const leaf = parseLeaf(data);
  if (!leaf || leaf.kind !== 'read') return { kind: 'leaf', message: `entry ${proof.leafIndex} is not a read's leaf` };
  let digest: string | null = null;
  try {
    digest = contentDigest('read', proof.content);
  } catch {
    digest = null;
  }
  if (digest !== leaf.digest) return { kind: 'content', message: `read ${leaf.ref}: the report's row is not what the log recorded` };
  const hashes = proof.hashes.map((h) => Buffer.from(String(h), 'base64'));
  return verifyInclusion(leafHash(data), proof.leafIndex, checkpoint.size, hashes, checkpoint.root)
    ? null
    : { kind: 'root', message: `read ${leaf.ref}: not included at ${proof.leafIndex} in the tree of ${checkpoint.size} the checkpoint signs` };
}
