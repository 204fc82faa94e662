/**
 * The audit log's tree in GraphQL, for auditors: the newest signed checkpoint, and the proofs an auditor
 * checks against it — that an event is in the log (inclusion) and that an older checkpoint's tree is the
 * beginning of a newer one (consistency). Hashes are base64, as in checkpoints; the log's verifier key is
 * at `GET /audit/log/key`.
 */
import { Arg, Ctx, Field, Int, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../../context';
import { badUserInput } from '../../../shared/errors';
import { consistencyProof, inclusionProof } from './merkle';
import { inRequest, leafIndex, withTree } from './log-store';

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
