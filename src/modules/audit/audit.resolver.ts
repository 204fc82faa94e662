import { GraphQLJSONObject, GraphQLLocalDate } from 'graphql-scalars';
import { Extensions, Arg, Args, ArgsType, Ctx, Field, FieldResolver, GraphQLISODateTime, ID, Info, Int, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { FIELD_COST } from '../../shared/query-limits';
import type { GraphQLResolveInfo } from 'graphql';
import { Role } from '../../access/roles';
import type { Context } from '../../context';
import { MouStatus } from '../../shared/enums';
import { badUserInput } from '../../shared/errors';
import { compact } from '../../shared/filters';
import { fromGlobalId, parseGlobalId, toGlobalId } from '../../shared/global-id';
import { listConnection } from '../../resource/list';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { Ministry } from '../../data/ministry.entity';
import { DataSharingClause, Mou } from '../mou/mou.entity';
import { MouVersion } from '../mou/mou-version.entity';
import { readCheckpoint, signCheckpoint, verifyChain } from './audit.chain';
import { AuditEvent } from './audit-event.entity';
import { ApiClient } from '../api-client/api-client.entity';

const AuditEventConnection = connectionOf(AuditEvent);

@ArgsType()
class AuditEventArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'e.g. Institution, Mou, Account.' }) entityType?: string;
  @Field(() => ID, { nullable: true, description: 'Global id of the record.' }) entityId?: string;
  @Field(() => ID, { nullable: true, description: "Events on this ministry's data." }) ministryId?: string;
  @Field(() => ID, { nullable: true, description: 'Events by this account.' }) actorAccountId?: string;
  @Field(() => String, { nullable: true, description: 'The mutation, e.g. signMou.' }) operation?: string;
  @Field(() => GraphQLISODateTime, { nullable: true }) from?: Date;
  @Field(() => GraphQLISODateTime, { nullable: true, description: 'Exclusive.' }) to?: Date;
}

@ObjectType({ simpleResolvers: true })
class AuditVerification {
  @Field(() => Boolean) valid!: boolean;
  @Field(() => Int) eventsChecked!: number;
  @Field(() => String, { nullable: true }) headSeq!: string | null;
  @Field(() => String, { nullable: true }) headHash!: string | null;
  @Field(() => String, { nullable: true, description: 'The first event that does not fit the chain or the checkpoint.' }) firstBadSeq!: string | null;
  @Field(() => String, { nullable: true }) reason!: string | null;
  @Field(() => Int, {
    description: 'Recent events whose seal the server that wrote them has not stored yet; an event still unsealed long after it occurred fails verification.',
  })
  pendingSeals!: number;
}

@ObjectType({ simpleResolvers: true, description: 'The chain head, signed by the server: keep the token outside the system and verify against it later.' })
class AuditCheckpoint {
  @Field(() => String) seq!: string;
  @Field(() => String) hash!: string;
  @Field(() => String) time!: string;
  @Field(() => String) token!: string;
}

@ObjectType({ simpleResolvers: true })
class ClauseUsage {
  @Field(() => DataSharingClause) clause!: DataSharingClause;
  @Field(() => Int, { description: 'Reads of full personal data under this clause.' }) personalDataReads!: number;
  @Field(() => Int, { description: 'Distinct records read in full.' }) distinctRecords!: number;
  @Field(() => GraphQLISODateTime, { nullable: true }) lastReadAt!: Date | null;
}

/** Auditors read every event; a ministry ADMIN the events on its own ministry's data. */
function visibleEvents(ctx: Context): Record<string, unknown> {
  if (ctx.viewer?.role === Role.AUDITOR) return {};
  return { subjectMinistryId: ctx.scope.ownMinistry ?? '00000000-0000-0000-0000-000000000000' };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

@Resolver(() => AuditEvent)
export class AuditResolver {
  @Query(() => AuditEventConnection, {
    nullable: true,
    description: "The audit log, oldest first: all of it for auditors, your ministry's data for a ministry ADMIN.",
  })
  auditEvents(@Args(() => AuditEventArgs) args: AuditEventArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const entity = args.entityId ? parseGlobalId(args.entityId) : null;
    if (args.entityId && !entity) throw badUserInput('Not a global id.', 'entityId');
    const where = {
      $and: [
        visibleEvents(ctx),
        compact({
          entityType: args.entityType ?? entity?.type,
          entityId: entity?.id,
          subjectMinistryId: args.ministryId ? fromGlobalId(args.ministryId, 'Ministry', 'ministryId') : undefined,
          actorAccountId: args.actorAccountId ? fromGlobalId(args.actorAccountId, 'Account', 'actorAccountId') : undefined,
          operation: args.operation,
          occurredAt: args.from || args.to ? compact({ $gte: args.from, $lt: args.to }) : undefined,
        }),
      ],
    };
    return listConnection(ctx, AuditEvent, where, { seq: 'asc' }, args, info);
  }

  @Extensions({ cost: FIELD_COST.verifyAuditLog })
  @Query(() => AuditVerification, {
    nullable: true,
    description: 'Whether the whole log verifies — optionally also against a checkpoint token taken earlier — or the first event where it breaks.',
  })
  async verifyAuditLog(@Arg('checkpoint', () => String, { nullable: true }) token: string | null, @Ctx() ctx: Context) {
    const checkpoint = token ? await readCheckpoint(ctx.services.auditKey, token) : undefined;
    if (token && !checkpoint) throw badUserInput('This is not a checkpoint signed by this server.', 'checkpoint');
    return verifyChain(ctx.em, ctx.services.auditKey, checkpoint ?? undefined);
  }

  @Query(() => AuditCheckpoint, { nullable: true, description: 'A signed checkpoint of the chain head (sequence number, hash, time).' })
  auditCheckpoint(@Ctx() ctx: Context) {
    return signCheckpoint(ctx.em, ctx.services.auditKey);
  }

  @FieldResolver(() => ID, { nullable: true, description: 'Global id of the record the mutation was about.' })
  entityId(@Root() e: AuditEvent) {
    if (!e.entityId) return null;
    // Records keyed by a uuid get their global id; reference data keyed by a code (a country) keeps the code.
    return UUID.test(e.entityId) ? toGlobalId(e.entityType, e.entityId) : e.entityId;
  }

  @FieldResolver(() => ID, { nullable: true })
  actorAccountId(@Root() e: AuditEvent) {
    return e.actorAccountId ? toGlobalId('Account', e.actorAccountId) : null;
  }

  @FieldResolver(() => ApiClient, {
    nullable: true,
    description: 'The client app that made the change, acting for `actorMinistry` with its own credentials; null when a person did.',
  })
  actorApiClient(@Root() e: AuditEvent, @Ctx() ctx: Context) {
    return e.actorAccountId ? ctx.loaders.byId(ApiClient).load(e.actorAccountId) : null;
  }

  @FieldResolver(() => Ministry, { nullable: true })
  actorMinistry(@Root() e: AuditEvent, @Ctx() ctx: Context) {
    return e.actorMinistryId ? ctx.loaders.byId(Ministry).load(e.actorMinistryId) : null;
  }

  @FieldResolver(() => Ministry, { nullable: true, description: 'Whose data changed.' })
  subjectMinistry(@Root() e: AuditEvent, @Ctx() ctx: Context) {
    return e.subjectMinistryId ? ctx.loaders.byId(Ministry).load(e.subjectMinistryId) : null;
  }

  @FieldResolver(() => [GraphQLJSONObject], {
    nullable: true,
    description: 'Each record written: entity, id, create/update/delete, and the changed fields before and after (personal values redacted).',
  })
  changes(@Root() e: AuditEvent) {
    return e.changes;
  }
}

@Resolver(() => Mou)
export class MouAuditResolver {
  @FieldResolver(() => [GraphQLJSONObject], {
    nullable: true,
    description: 'The clauses that were in force on a given date (from the version history): empty unless the MoU was ACTIVE and valid that day.',
  })
  async clausesInForceOn(@Root() mou: Mou, @Arg('date', () => GraphQLLocalDate) date: string, @Ctx() ctx: Context) {
    const versions = await ctx.loaders.all({ entity: MouVersion, parentProperty: 'mou' }).load(mou.id);
    const endOfDay = new Date(`${date}T23:59:59.999+07:00`);
    const asOf = versions.filter((v) => v.createdAt <= endOfDay).at(-1);
    const s = asOf?.snapshot;
    if (!s || (s.status !== MouStatus.ACTIVE && s.status !== MouStatus.EXPIRED) || date < s.validFrom || date >= s.validUntil) return [];
    return s.clauses;
  }

  @FieldResolver(() => [ClauseUsage], {
    nullable: true,
    description: 'For each clause: how often personal data shared under it was read in full, by how many records.',
  })
  async sharingReport(@Root() mou: Mou, @Ctx() ctx: Context) {
    const clauses = await ctx.loaders.all({ entity: DataSharingClause, parentProperty: 'mou' }).load(mou.id);
    if (clauses.length === 0) return [];
    const rows = await ctx.em.execute<{ clause_id: string; n: string; records: string; last: Date | null }[]>(
      'select clause_id, count(*) as n, count(distinct record_id) as records, max(read_at) as last from personal_data_read where clause_id in (?) group by clause_id',
      [clauses.map((c) => c.id)],
    );
    const usage = new Map(rows.map((r) => [r.clause_id, r]));
    return clauses.map((clause) => ({
      clause,
      personalDataReads: Number(usage.get(clause.id)?.n ?? 0),
      distinctRecords: Number(usage.get(clause.id)?.records ?? 0),
      lastReadAt: usage.get(clause.id)?.last ?? null,
    }));
  }
}
