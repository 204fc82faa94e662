/**
 * The audit log's tree in GraphQL, for auditors: the newest signed checkpoint, and the proofs an auditor
 * checks against it — that an event is in the log (inclusion) and that an older checkpoint's tree is the
 * beginning of a newer one (consistency). Hashes are base64, as in checkpoints; the log's verifier key is
 * at `GET /audit/log/key`.
 */
import { GraphQLJSONObject } from 'graphql-scalars';
import { Arg, Ctx, Field, GraphQLISODateTime, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../../context';
import { badUserInput } from '../../../shared/errors';
import { consistencyProof, inclusionProof, rangeOutside } from './merkle';
import { entriesWithContent, firstLeafAt, inRequest, leafIndex, withTree } from './log-store';

@ObjectType({ simpleResolvers: true, description: "A checkpoint of the audit log, signed with the log's key (C2SP tlog-checkpoint in a signed note)." })
class AuditLogCheckpoint {
  @Field(() => Int, { description: 'Leaves in the tree.' }) size!: number;
  @Field(() => String, { description: "The tree's root hash (RFC 9162), base64." }) rootHash!: string;
  @Field(() => String, {
    description: "The signed note, as `GET /audit/log/checkpoint` serves it, with the witnesses' cosignatures; verify it with the log's verifier key.",
  })
  note!: string;
  @Field(() => [String], { description: 'The witnesses (key names) whose cosignatures of this checkpoint verify, as the note carries them.' })
  cosigners!: string[];
}

@ObjectType({ simpleResolvers: true, description: "A proof over the audit log's tree (RFC 9162 §2.1.3 or §2.1.4): its hashes, base64, leaf side first." })
class AuditLogProof {
  @Field(() => Int, { description: 'The tree the proof is for.' }) treeSize!: number;
  @Field(() => Int, { nullable: true, description: "Inclusion: the leaf's index." }) leafIndex!: number | null;
  @Field(() => String, { nullable: true, description: "Inclusion: the leaf's bytes, base64; its hash is SHA-256(0x00 || leaf)." }) leaf!: string | null;
  @Field(() => Int, { nullable: true, description: 'Consistency: the older tree.' }) fromSize!: number | null;
  @Field(() => [String], { description: 'The proof: base64 hashes, leaf side first, as RFC 9162 verifies them.' }) hashes!: string[];
}

@ObjectType({ simpleResolvers: true, description: "An entry of the audit log's tree, with the content its leaf's digest is of." })
class AuditLogEntry {
  @Field(() => Int, { description: "The leaf's index in the tree." }) index!: number;
  @Field(() => String, { description: "The leaf's bytes, base64: version, kind, reference and digest, one per line." }) leaf!: string;
  @Field(() => String, { description: '`event` or `read`.' }) kind!: string;
  @Field(() => String, { description: "The event's sequence number, or the read's id." }) ref!: string;
  @Field(() => GraphQLJSONObject, {
    nullable: true,
    description:
      "What the leaf's digest is of: an event's content (canonical JSON, RFC 8785), or a read's row (docs/audit.md); null when it is no longer in the database.",
  })
  content!: Record<string, unknown> | null;
}

@ObjectType({ simpleResolvers: true, description: 'The hash of a complete subtree of the audit log: the 2^level leaves from index × 2^level.' })
class AuditLogSubtree {
  @Field(() => Int, { description: 'The subtree holds 2^level leaves.' }) level!: number;
  @Field(() => Int, { description: "The subtree's position at its level." }) index!: number;
  @Field(() => String, { description: 'SHA-256, base64.' }) hash!: string;
}

/** Most entries one request reads. */
const MAX_ENTRIES = 5_000;

const b64 = (b: Buffer) => b.toString('base64');

/** The tree's size as signed: the newest checkpoint's, or `given` when it is within it. */
async function signedSize(ctx: Context, given: number | null | undefined, field: string): Promise<number> {
  const size = (await ctx.services.auditLog.published())?.size ?? 0;
  if (given === null || given === undefined) return size;
  if (!Number.isInteger(given) || given < 1 || given > size)
    throw badUserInput(`${field} must be from 1 to ${size}, the size of the newest checkpoint.`, field);
  return given;
}

@Resolver()
export class AuditLogResolver {
  @Query(() => AuditLogCheckpoint, {
    nullable: true,
    description:
      'The newest signed checkpoint of the audit log, or the newest that at least `witnesses` registered witnesses cosigned (null when there is none).',
  })
  async auditLogCheckpoint(
    @Arg('witnesses', () => Int, { nullable: true, description: 'How many witnesses must have cosigned it (default 0: the newest).' })
    witnesses: number | null,
    @Ctx() ctx: Context,
  ): Promise<AuditLogCheckpoint | null> {
    if (witnesses !== null && witnesses !== undefined && !(witnesses >= 0 && witnesses <= 100)) throw badUserInput('witnesses is from 0 to 100.', 'witnesses');
    const c = await ctx.services.auditLog.published(witnesses ?? 0);
    return c && { size: c.size, rootHash: b64(c.root), note: c.note, cosigners: c.cosigners };
  }

  @Query(() => AuditLogProof, {
    nullable: true,
    description: "That the audit event `seq` is in the log's tree of `treeSize` leaves (default: the newest checkpoint's).",
  })
  async auditInclusionProof(
    @Arg('seq', () => String, { description: "The event's sequence number." }) seq: string,
    @Arg('treeSize', () => Int, { nullable: true, description: 'The tree to prove it in: a size signed in a checkpoint (default: the newest).' })
    treeSize: number | null,
    @Ctx() ctx: Context,
  ): Promise<AuditLogProof> {
    if (!/^[1-9][0-9]{0,18}$/.test(seq)) throw badUserInput('seq is the sequence number of an audit event.', 'seq');
    const sql = inRequest(ctx.em);
    const size = await signedSize(ctx, treeSize, 'treeSize');
    const leaf = await leafIndex(sql, 'event', seq);
    if (!leaf || leaf.index >= size) throw badUserInput(`Event ${seq} is not in the log's tree of ${size} leaves (new events join it within seconds).`, 'seq');
    const hashes = await withTree(sql, size, (read) => inclusionProof(read, leaf.index, size));
    return { treeSize: size, leafIndex: leaf.index, leaf: b64(leaf.data), fromSize: null, hashes: hashes.map(b64) };
  }

  @Query(() => [AuditLogEntry], {
    nullable: true,
    description: `Entries \`from\` … \`from + count - 1\` of the log's tree of \`treeSize\` leaves (default: the newest checkpoint's), with their contents, at most ${MAX_ENTRIES} at a time. \`GET /audit/bundle\` gives them as a bundle for the offline verifier.`,
  })
  async auditLogEntries(
    @Arg('from', () => Int, { description: 'The first leaf index.' }) from: number,
    @Arg('count', () => Int, { nullable: true, description: `How many (default 1,000, at most ${MAX_ENTRIES}).` }) count: number | null,
    @Arg('treeSize', () => Int, { nullable: true, description: 'The signed tree to read them in (default: the newest).' }) treeSize: number | null,
    @Ctx() ctx: Context,
  ): Promise<AuditLogEntry[]> {
    const size = await signedSize(ctx, treeSize, 'treeSize');
    const n = count ?? 1_000;
    if (!Number.isInteger(n) || n < 1 || n > MAX_ENTRIES) throw badUserInput(`count is from 1 to ${MAX_ENTRIES}.`, 'count');
    if (!Number.isInteger(from) || from < 0 || from >= size) throw badUserInput(`from is a leaf index from 0 to ${size - 1}.`, 'from');
    const entries = await entriesWithContent(inRequest(ctx.em), from, Math.min(n, size - from));
    return entries.map((e) => ({ index: e.index, leaf: b64(e.data), kind: e.kind, ref: e.ref, content: e.content }));
  }

  @Query(() => Int, {
    nullable: true,
    description:
      "The index of the first entry taken into the log's tree at or after `time` (within the tree of `treeSize` leaves, default: the newest checkpoint's); the tree's size when there is none: where a range of entries by time begins or ends.",
  })
  async auditLogIndexAt(
    @Arg('time', () => GraphQLISODateTime, { description: 'When the range begins or ends.' }) time: Date,
    @Arg('treeSize', () => Int, { nullable: true, description: 'The signed tree (default: the newest).' }) treeSize: number | null,
    @Ctx() ctx: Context,
  ): Promise<number> {
    const size = await signedSize(ctx, treeSize, 'treeSize');
    const index = await firstLeafAt(inRequest(ctx.em), time);
    return index === null ? size : Math.min(index, size);
  }

  @Query(() => [AuditLogSubtree], {
    nullable: true,
    description:
      'The hashes of the complete subtrees outside entries `from` … `to - 1` that, with those entries, give the root of the tree of `treeSize` leaves (at most two per level): what proves a range of entries against a checkpoint.',
  })
  async auditLogRangeProof(
    @Arg('from', () => Int, { description: 'The first leaf index of the range.' }) from: number,
    @Arg('to', () => Int, { description: 'The leaf index after the range.' }) to: number,
    @Arg('treeSize', () => Int, { nullable: true, description: 'The signed tree (default: the newest).' }) treeSize: number | null,
    @Ctx() ctx: Context,
  ): Promise<AuditLogSubtree[]> {
    const size = await signedSize(ctx, treeSize, 'treeSize');
    if (!Number.isInteger(from) || from < 0 || from >= size) throw badUserInput(`from is a leaf index from 0 to ${size - 1}.`, 'from');
    if (!Number.isInteger(to) || to <= from || to > size) throw badUserInput(`to is from ${from + 1} to ${size}.`, 'to');
    const outside = rangeOutside(from, to, size);
    const hashes = await withTree(inRequest(ctx.em), size, (read) => outside.map(([level, index]) => read(level, index)));
    return outside.map(([level, index], i) => ({ level, index, hash: b64(hashes[i]) }));
  }

  @Query(() => AuditLogProof, {
    nullable: true,
    description: "That the log's tree of `fromSize` leaves is the beginning of its tree of `toSize` (default: the newest checkpoint's).",
  })
  async auditConsistencyProof(
    @Arg('fromSize', () => Int, { description: 'The size of the older checkpoint you kept.' }) fromSize: number,
    @Arg('toSize', () => Int, { nullable: true, description: 'The size of the newer checkpoint (default: the newest).' }) toSize: number | null,
    @Ctx() ctx: Context,
  ): Promise<AuditLogProof> {
    const sql = inRequest(ctx.em);
    const to = await signedSize(ctx, toSize, 'toSize');
    if (!Number.isInteger(fromSize) || fromSize < 1 || fromSize > to) throw badUserInput(`fromSize must be from 1 to ${to}.`, 'fromSize');
    const hashes = await withTree(sql, to, (read) => consistencyProof(read, fromSize, to));
    return { treeSize: to, leafIndex: null, leaf: null, fromSize, hashes: hashes.map(b64) };
  }
}
