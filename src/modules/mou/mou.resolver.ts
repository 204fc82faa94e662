import { IsOptional, Length } from 'class-validator';
import { Args, ArgsType, Ctx, Field, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { MouStatus } from '../../shared/enums';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { listConnection } from '../../shared/list';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { Ministry } from '../ministry/ministry.entity';
import { DataSharingClause, Mou, MouParty, todayInJakarta } from './mou.entity';

// Created at load time: type-graphql must see every type before the schema is built.
const MouConnection = connectionOf(Mou);

@ArgsType()
class MouArgs extends PageArgs {
  @Field(() => MouStatus, { nullable: true, description: 'Status as of today (EXPIRED is derived from the validity window).' }) status?: MouStatus;
  @Field(() => ID, { nullable: true, description: 'MoUs to which this ministry is a party.' }) partyMinistryId?: string;
  @Field(() => String, { nullable: true, description: 'Text in the title.' }) @IsOptional() @Length(1, 100) search?: string;
}

/** The `where` for a status as of `today`: stored DRAFT/ACTIVE/TERMINATED plus the validity window. */
function statusWhere(status: MouStatus | undefined, today: string) {
  switch (status) {
    case undefined:
      return {};
    case MouStatus.ACTIVE:
      return { recordedStatus: MouStatus.ACTIVE, validUntil: { $gt: today } };
    case MouStatus.EXPIRED:
      return { recordedStatus: MouStatus.ACTIVE, validUntil: { $lte: today } };
    default:
      return { recordedStatus: status };
  }
}

/** MoUs: read API (drafting and signing come with the sharing workflow). */
@Resolver(() => Mou)
export class MouResolver {
  @Query(() => MouConnection, { description: 'MoUs your ministry drafted or is a party to; auditors read all. Oldest first.' })
  mous(@Args(() => MouArgs) args: MouArgs, @Ctx() ctx: Context) {
    const party = ministryFilter(args.partyMinistryId, 'partyMinistryId');
    const where = compact({ ...statusWhere(args.status, todayInJakarta()), partyMinistryIds: party ? { $contains: [party] } : undefined, title: searchFilter(args.search) });
    return listConnection(ctx, Mou, where, { id: 'asc' }, args);
  }

  @FieldResolver(() => Ministry, { description: 'The drafting ministry.' })
  ownerMinistry(@Root() mou: Mou, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(mou.ownerMinistry.id);
  }

  @FieldResolver(() => [MouParty])
  parties(@Root() mou: Mou, @Ctx() ctx: Context) {
    return ctx.loaders.all({ entity: MouParty, parentProperty: 'mou' }).load(mou.id);
  }

  @FieldResolver(() => [DataSharingClause], { description: 'Data-sharing clauses: in force only while the MoU is ACTIVE and inside its window.' })
  clauses(@Root() mou: Mou, @Ctx() ctx: Context) {
    return ctx.loaders.all({ entity: DataSharingClause, parentProperty: 'mou' }).load(mou.id);
  }
}

@Resolver(() => MouParty)
export class MouPartyResolver {
  @FieldResolver(() => Ministry)
  ministry(@Root() party: MouParty, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(party.ministry.id);
  }
}

@Resolver(() => DataSharingClause)
export class DataSharingClauseResolver {
  @FieldResolver(() => Ministry)
  providerMinistry(@Root() clause: DataSharingClause, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(clause.providerMinistry.id);
  }

  @FieldResolver(() => Ministry)
  recipientMinistry(@Root() clause: DataSharingClause, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(clause.recipientMinistry.id);
  }

  @FieldResolver(() => Boolean, { description: 'Whether this clause shares data today.' })
  async inForce(@Root() clause: DataSharingClause, @Ctx() ctx: Context) {
    const mou = await ctx.loaders.byId(Mou).load(clause.mou.id);
    return !!mou?.inForceOn(todayInJakarta());
  }
}
