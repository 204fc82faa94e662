/**
 * The registry of the audit log's witnesses: the cosigner keys (C2SP tlog-cosignature) whose cosignatures
 * `POST /audit/log/cosignature` accepts. A ministry ADMIN registers and revokes its ministry's witnesses,
 * an AUDITOR the auditors'. A witness's key is public; its holder keeps the private half on its own machine
 * (clients/audit-witness). Each registration and revocation is an audit event.
 */
import { Arg, Ctx, Field, ID, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { Context } from '../../../context';
import { badUserInput, notWritable } from '../../../shared/errors';
import { fromGlobalId, toGlobalId } from '../../../shared/global-id';
import { witnessKey } from './cosignatures';
import { inRequest, registerWitness, revokeWitness, witnessesOf, type WitnessRow } from './log-store';
import { NoteError, verifierKey } from './note';

@ObjectType({ simpleResolvers: true, description: "A witness of the audit log: a key whose cosignatures of the log's checkpoints the server accepts." })
class AuditWitness {
  @Field(() => ID) id!: string;
  @Field(() => String, { description: "The key's name, as its cosignature lines carry it." }) name!: string;
  @Field(() => String, { description: 'The note verifier key (`<name>+<key id>+<key>`), type 0x04.' }) verifierKey!: string;
  @Field(() => ID, { nullable: true, description: "The ministry whose witness it is; null for an auditors' witness." }) ministryId!: string | null;
  @Field(() => Date, { description: 'When it was registered.' }) registeredAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it was revoked: its cosignatures are no longer accepted or served.' }) revokedAt!: Date | null;
}

const asWitness = (w: WitnessRow): AuditWitness => ({
  ...w,
  id: toGlobalId('AuditWitness', w.id),
  ministryId: w.ministryId && toGlobalId('Ministry', w.ministryId),
  registeredAt: new Date(w.registeredAt),
  revokedAt: w.revokedAt && new Date(w.revokedAt),
});

@Resolver()
export class AuditWitnessResolver {
  @Query(() => [AuditWitness], { nullable: true, description: 'The witnesses registered for the audit log (live ones, unless `includeRevoked`).' })
  async auditWitnesses(
    @Arg('includeRevoked', () => Boolean, { nullable: true, description: 'Revoked witnesses too.' }) includeRevoked: boolean | null,
    @Ctx() ctx: Context,
  ): Promise<AuditWitness[]> {
    return (await witnessesOf(inRequest(ctx.em), includeRevoked === true)).map(asWitness);
  }

  @Mutation(() => AuditWitness, {
    nullable: true,
    description:
      "Registers a witness key for the audit log: a ministry ADMIN's for its ministry, an AUDITOR's for the auditors. Give the note verifier key the witness command printed (`npx ./clients/audit-witness keygen`).",
  })
  async registerAuditWitness(
    @Arg('verifierKey', () => String, { description: "The witness's note verifier key, `<name>+<key id>+<key>` (type 0x04)." }) given: string,
    @Ctx() ctx: Context,
  ): Promise<AuditWitness> {
    if (given.length > 512) throw badUserInput('Not a verifier key: at most 512 characters.', 'verifierKey');
    let key;
    try {
      key = witnessKey(given);
    } catch (e) {
      if (e instanceof NoteError) throw badUserInput(`Not a witness key: ${e.message}.`, 'verifierKey');
      throw e;
    }
    const sql = inRequest(ctx.em);
    const canonical = verifierKey(key);
    const live = await witnessesOf(sql, true);
    if (live.some((w) => w.verifierKey === canonical))
      throw badUserInput('This key is registered already (a revoked key is not registered again).', 'verifierKey');
    if (live.some((w) => !w.revokedAt && w.name === key.name))
      throw badUserInput(`A live witness is named ${key.name} already: choose another name.`, 'verifierKey');
    const row = await registerWitness(sql, key.name, canonical);
    ctx.mutation.note = { witness: key.name, verifierKey: canonical };
    return asWitness(row);
  }

  @Mutation(() => AuditWitness, {
    nullable: true,
    description: "Revokes a witness your ministry registered (ADMIN), or an auditors' witness (AUDITOR): its cosignatures are no longer accepted or served.",
  })
  async revokeAuditWitness(@Arg('id', () => ID) globalId: string, @Ctx() ctx: Context): Promise<AuditWitness> {
    const id = fromGlobalId(globalId, 'AuditWitness', 'id');
    const row = await revokeWitness(inRequest(ctx.em), id);
    if (!row) throw notWritable('id');
    ctx.mutation.note = { witness: row.name, revoked: true };
    return asWitness(row);
  }
}
