/**
 * The offline verifier's checks: pure functions of what an auditor was given
 * (the log's and the witnesses' public keys, signed checkpoints, the log's
 * entries and the contents it may read) — no database, no secret, no
 * network. Each finding says exactly what failed, and where two checkpoints
 * signed by the log disagree, it carries both notes: the proof that the log
 * showed two histories, to hand to someone else.
 */
import { leafHash, memoryTree, rootHash, type HashReader } from './merkle';
import { digestOf, parseLeaf, type Leaf } from './leaf';
import { NoteError, openNote, parseCheckpoint, type Checkpoint, type Verifier } from './note';

export interface TrustPolicy {
  /** The log's verifier keys: the current one, and older ones whose checkpoints still count. */
  log: readonly Verifier[];
  /** Witnesses whose cosignatures count, and how many must have cosigned a checkpoint. */
  witnesses: readonly Verifier[];
  quorum: number;
}

export type FindingKind = 'signature' | 'witnesses' | 'origin' | 'size' | 'leaf' | 'order' | 'content' | 'root' | 'split-view' | 'rollback';

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
  let lastEvent: bigint | null = null;
  const seen = new Set<string>();
  leaves.forEach((data, index) => {
    const leaf = parseLeaf(data);
    if (!leaf) return void findings.push({ kind: 'leaf', message: `entry ${index} is not a leaf of this log` });
    const key = `${leaf.kind}:${leaf.ref}`;
    if (seen.has(key)) findings.push({ kind: 'order', message: `entry ${index} repeats ${leaf.kind} ${leaf.ref}` });
    seen.add(key);
    if (leaf.kind === 'event') {
      const seq = BigInt(leaf.ref);
      if (lastEvent !== null && seq <= lastEvent)
        findings.push({ kind: 'order', message: `entry ${index}: event ${seq} comes after event ${lastEvent} (reordered)` });
      else if (seq !== (lastEvent ?? 0n) + 1n)
        findings.push({ kind: 'order', message: `entry ${index}: event ${seq} follows event ${lastEvent ?? 0n}: ${seq - (lastEvent ?? 0n) - 1n} missing` });
      lastEvent = seq > (lastEvent ?? 0n) ? seq : lastEvent;
    }
    const content = copy.contents?.get(index);
    if (content !== undefined && digestOf(content) !== leaf.digest)
      findings.push({
        kind: 'content',
        message: `entry ${index} (${leaf.kind} ${leaf.ref}): its content is not what the log recorded (digest ${digestOf(content)}, leaf ${leaf.digest})`,
      });
  });
  if (leaves.length === checkpoint.size) {
    const root = rootHash(treeOf(leaves), checkpoint.size);
    if (!root.equals(checkpoint.root))
      findings.push({
        kind: 'root',
        message: `the ${checkpoint.size} entries give root ${root.toString('base64')}, the checkpoint says ${checkpoint.root.toString('base64')}: an entry was changed, removed or moved`,
      });
  }
  return findings;
}

/**
 * Checks a newer checkpoint against one kept from before: the same size must have the same root, and the
 * newer tree must contain the older one. With the entries at hand, the older root is recomputed from them.
 */
export function checkHistory(kept: CheckedCheckpoint, current: CheckedCheckpoint, copy: LogCopy): Finding[] {
  const [old, now] = [kept.checkpoint, current.checkpoint];
  if (old.size === now.size && !old.root.equals(now.root))
    return [
      {
        kind: 'split-view',
        message: `two checkpoints of size ${old.size}, both signed by the log, with different roots: the log showed two histories`,
        evidence: `${kept.note}\n${current.note}`,
      },
    ];
  if (old.size > now.size)
    return [
      {
        kind: 'rollback',
        message: `the current checkpoint (size ${now.size}) is older than one kept before (size ${old.size}): the log went back`,
        evidence: `${kept.note}\n${current.note}`,
      },
    ];
  if (copy.leaves.length < old.size) return [{ kind: 'size', message: `the kept checkpoint counts ${old.size} entries; ${copy.leaves.length} were given` }];
  const root = rootHash(treeOf(copy.leaves.slice(0, old.size)), old.size);
  return root.equals(old.root)
    ? []
    : [
        {
          kind: 'split-view',
          message: `the first ${old.size} entries no longer give the root of the checkpoint kept before: the history was rewritten`,
          evidence: `${kept.note}\n${current.note}`,
        },
      ];
}

const treeOf = (leaves: readonly Buffer[]): HashReader => memoryTree(leaves.map(leafHash));

/** The leaves of a copy, parsed (for reports). */
export const leavesOf = (copy: LogCopy): (Leaf | null)[] => copy.leaves.map(parseLeaf);
