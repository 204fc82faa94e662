import { IsOptional, Length } from 'class-validator';
import { Arg, Args, ArgsType, Ctx, Field, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { GraphQLJSONObject, GraphQLLocalDate } from 'graphql-scalars';
import { badUserInput } from '../../shared/errors';
import { toGlobalId } from '../../shared/global-id';
import { AmendMouInput, CreateMouInput, NarrowClauseInput, UpdateMouDraftInput } from './mou.inputs';
import { AmendmentStatus, MouAmendment, MouAmendmentSignature, ProposedClause } from './mou-amendment.entity';
import * as service from './mou.service';
import { amendmentDigest, termsDigest } from './mou-digest';
import type { Context } from '../../context';
import { MouStatus } from '../../shared/enums';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { listConnection } from '../../resource/list';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { Ministry } from '../../data/ministry.entity';
import { DataSharingClause, Mou, MouParty } from './mou.entity';
import { MouVersion } from './mou-version.entity';
import { todayInJakarta } from '../../shared/time';

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

/** Who signs: named, titled, and fitting the signature columns. */
function assertSignatory(name: string, title: string) {
  if (!name.trim()) throw badUserInput('Name the person who signs.', 'signatoryName');
  if (!title.trim()) throw badUserInput("Give the signatory's title.", 'signatoryTitle');
  if (name.length > 255) throw badUserInput('At most 255 characters.', 'signatoryName');
  if (title.length > 255) throw badUserInput('At most 255 characters.', 'signatoryTitle');
}

/** A digest as `digest` fields give it: 64 lower-case hex digits. */
function assertDigest(digest: string): string {
  if (!/^[0-9a-f]{64}$/.test(digest)) throw badUserInput('A digest is 64 lower-case hex digits, as the `digest` field of what you read gives it.', 'digest');
  return digest;
}

/** MoUs: lists and relations, and the workflow's mutations (the rules are in mou.service.ts and the database). */
@Resolver(() => Mou)
export class MouResolver {
  @Query(() => MouConnection, { nullable: true, description: 'MoUs your ministry drafted or is a party to; auditors read all. Oldest first.' })
  mous(@Args(() => MouArgs) args: MouArgs, @Ctx() ctx: Context) {
    const party = ministryFilter(args.partyMinistryId, 'partyMinistryId');
    const where = compact({
      ...statusWhere(args.status, todayInJakarta()),
      partyMinistryIds: party ? { $contains: [party] } : undefined,
      title: searchFilter(args.search),
    });
    return listConnection(ctx, Mou, where, { id: 'asc' }, args);
  }

  @FieldResolver(() => Ministry, { description: 'The drafting ministry.' })
  ownerMinistry(@Root() mou: Mou, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(mou.ownerMinistry.id);
  }

  @FieldResolver(() => [MouParty], { nullable: true })
  parties(@Root() mou: Mou, @Ctx() ctx: Context) {
    return ctx.loaders.all({ entity: MouParty, parentProperty: 'mou' }).load(mou.id);
  }

  @FieldResolver(() => [DataSharingClause], {
    nullable: true,
    description: 'Data-sharing clauses: in force only while the MoU is ACTIVE and inside its window, and not retired by an amendment.',
  })
  async clauses(@Root() mou: Mou, @Ctx() ctx: Context, @Arg('includeRetired', () => Boolean, { defaultValue: false }) includeRetired: boolean) {
    const all = await ctx.loaders.all({ entity: DataSharingClause, parentProperty: 'mou' }).load(mou.id);
    return includeRetired ? all : all.filter((c) => !c.retiredAt);
  }

  @FieldResolver(() => String, {
    nullable: true,
    description:
      'SHA-256 (hex) of the terms as they stand: the draft, or the terms in force. signMou needs the digest of the draft its signer read; it equals the digest of the latest version.',
  })
  async digest(@Root() mou: Mou, @Ctx() ctx: Context) {
    return service.digestOf(mou, await ctx.loaders.all({ entity: DataSharingClause, parentProperty: 'mou' }).load(mou.id));
  }

  @FieldResolver(() => [MouVersion], { nullable: true, description: 'Every draft, edit, signature, activation, amendment and termination, oldest first.' })
  versions(@Root() mou: Mou, @Ctx() ctx: Context) {
    return ctx.loaders.all({ entity: MouVersion, parentProperty: 'mou' }).load(mou.id);
  }

  @Mutation(() => Mou, { nullable: true, description: 'Draft an MoU (EDITOR or ADMIN); your ministry is the drafter and a party.' })
  createMou(@Arg('input', () => CreateMouInput) input: CreateMouInput, @Ctx() ctx: Context) {
    return service.createMou(ctx, input);
  }

  @Mutation(() => Mou, { nullable: true, description: 'Edit your own draft; any edit voids the signatures given so far.' })
  updateMouDraft(@Arg('input', () => UpdateMouDraftInput) input: UpdateMouDraftInput, @Ctx() ctx: Context) {
    return service.updateMouDraft(ctx, input);
  }

  @Mutation(() => Mou, { nullable: true, description: 'Sign for your ministry (ADMIN of a party). When every party has signed the MoU is ACTIVE.' })
  signMou(
    @Arg('id', () => ID) id: string,
    @Arg('digest', () => String, { description: "The draft's `digest` as the signer read it: another draft's (an edit since) is refused with CONFLICT." })
    digest: string,
    @Arg('signatoryName', () => String) signatoryName: string,
    @Arg('signatoryTitle', () => String) signatoryTitle: string,
    @Ctx() ctx: Context,
  ) {
    assertSignatory(signatoryName, signatoryTitle);
    return service.signMou(ctx, id, assertDigest(digest), signatoryName.trim(), signatoryTitle.trim());
  }

  @Mutation(() => Mou, { nullable: true, description: 'End an ACTIVE MoU (ADMIN of a party): sharing under it stops with the next request.' })
  terminateMou(@Arg('id', () => ID) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: Context) {
    if (reason.trim().length < 5) throw badUserInput('Give the reason for the termination.', 'reason');
    return service.terminateMou(ctx, id, reason.trim());
  }

  @Mutation(() => Mou, {
    nullable: true,
    description:
      "Propose an amendment of an MoU in force (ADMIN of a party). The terms in force do not change until every party's ADMIN has signed it with signMouAmendment; at most one is pending at a time.",
  })
  amendMou(@Arg('input', () => AmendMouInput) input: AmendMouInput, @Ctx() ctx: Context) {
    return service.amendMou(ctx, input);
  }

  @Mutation(() => Mou, {
    nullable: true,
    description: 'Sign the pending amendment for your ministry (ADMIN of a party). The last signature puts it in force from the next request.',
  })
  signMouAmendment(
    @Arg('id', () => ID, { description: 'The MoU.' }) id: string,
    @Arg('digest', () => String, {
      description: "The pending amendment's `digest` as the signer read it: any other amendment (one proposed anew since) is refused with CONFLICT.",
    })
    digest: string,
    @Arg('signatoryName', () => String) signatoryName: string,
    @Arg('signatoryTitle', () => String) signatoryTitle: string,
    @Ctx() ctx: Context,
  ) {
    assertSignatory(signatoryName, signatoryTitle);
    return service.signMouAmendment(ctx, id, assertDigest(digest), signatoryName.trim(), signatoryTitle.trim());
  }

  @Mutation(() => Mou, { nullable: true, description: 'Reject the pending amendment (ADMIN of a party other than its proposer), with a reason.' })
  rejectMouAmendment(@Arg('id', () => ID, { description: 'The MoU.' }) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: Context) {
    if (reason.trim().length < 5) throw badUserInput('Give the reason for the rejection.', 'reason');
    return service.endMouAmendment(ctx, id, AmendmentStatus.REJECTED, reason.trim());
  }

  @Mutation(() => Mou, { nullable: true, description: 'Withdraw the amendment your ministry proposed (ADMIN), with a reason.' })
  withdrawMouAmendment(@Arg('id', () => ID, { description: 'The MoU.' }) id: string, @Arg('reason', () => String) reason: string, @Ctx() ctx: Context) {
    if (reason.trim().length < 5) throw badUserInput('Give the reason for the withdrawal.', 'reason');
    return service.endMouAmendment(ctx, id, AmendmentStatus.WITHDRAWN, reason.trim());
  }

  @Mutation(() => Mou, {
    nullable: true,
    description:
      'Withdraw consent at once (ADMIN of the providing ministry): share fewer resource types under a clause you provide, drop it, or stop sharing personal data. Needs no other signature.',
  })
  narrowMouClause(@Arg('input', () => NarrowClauseInput) input: NarrowClauseInput, @Ctx() ctx: Context) {
    return service.narrowMouClause(ctx, input);
  }

  @FieldResolver(() => MouAmendment, { nullable: true, description: 'The amendment awaiting signatures, if any.' })
  async pendingAmendment(@Root() mou: Mou, @Ctx() ctx: Context) {
    const all = await ctx.loaders.all({ entity: MouAmendment, parentProperty: 'mou' }).load(mou.id);
    return all.find((a) => a.status === AmendmentStatus.PENDING) ?? null;
  }

  @FieldResolver(() => [MouAmendment], { nullable: true, description: 'Every amendment proposed, oldest first, whatever became of it.' })
  amendments(@Root() mou: Mou, @Ctx() ctx: Context) {
    return ctx.loaders.all({ entity: MouAmendment, parentProperty: 'mou' }).load(mou.id);
  }
}

@Resolver(() => MouAmendment)
export class MouAmendmentResolver {
  @FieldResolver(() => String, {
    description: 'SHA-256 (hex) of this amendment as proposed (its number, reason and proposal): signMouAmendment needs the digest its signer read.',
  })
  digest(@Root() a: MouAmendment) {
    return amendmentDigest(a);
  }

  @FieldResolver(() => Ministry, { description: 'The party that proposed it.' })
  proposedBy(@Root() a: MouAmendment, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(a.proposedByMinistry.id);
  }

  @FieldResolver(() => [MouAmendmentSignature], { nullable: true, description: 'The parties that have signed it so far.' })
  signatures(@Root() a: MouAmendment, @Ctx() ctx: Context) {
    return ctx.loaders.all({ entity: MouAmendmentSignature, parentProperty: 'amendment' }).load(a.id);
  }

  @FieldResolver(() => String, { nullable: true, description: 'Proposed title; null: unchanged.' })
  title(@Root() a: MouAmendment) {
    return a.proposal.title ?? null;
  }

  @FieldResolver(() => String, { nullable: true, description: 'Proposed scope; null: unchanged.' })
  scope(@Root() a: MouAmendment) {
    return a.proposal.scope ?? null;
  }

  @FieldResolver(() => GraphQLLocalDate, { nullable: true, description: 'Proposed end of validity; null: unchanged.' })
  validUntil(@Root() a: MouAmendment) {
    return a.proposal.validUntil ?? null;
  }

  @FieldResolver(() => [ProposedClause], { nullable: true, description: 'The clauses that would replace those in force; null: the clauses stay.' })
  async clauses(@Root() a: MouAmendment, @Ctx() ctx: Context) {
    if (!a.proposal.clauses) return null;
    const ministries = ctx.loaders.byId(Ministry);
    return Promise.all(
      a.proposal.clauses.map(async (c) => ({
        providerMinistry: await ministries.load(c.providerMinistryId),
        recipientMinistry: await ministries.load(c.recipientMinistryId),
        resourceTypes: c.resourceTypes,
        includesPersonalData: c.includesPersonalData,
        purpose: c.purpose,
      })),
    );
  }
}

@Resolver(() => MouAmendmentSignature)
export class MouAmendmentSignatureResolver {
  @FieldResolver(() => Ministry)
  ministry(@Root() s: MouAmendmentSignature, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(s.ministry.id);
  }
}

@Resolver(() => MouVersion)
export class MouVersionResolver {
  @FieldResolver(() => String, { description: "SHA-256 (hex) of the terms in this version's snapshot, as `Mou.digest` computes them." })
  digest(@Root() v: MouVersion) {
    return termsDigest(v.mou.id, v.snapshot);
  }

  @FieldResolver(() => GraphQLJSONObject, { description: "The MoU's content after this event: window, parties, signatures, clauses." })
  snapshot(@Root() v: MouVersion) {
    return v.snapshot;
  }

  @FieldResolver(() => Ministry, { nullable: true, description: 'The ministry on whose behalf the event was recorded.' })
  actorMinistry(@Root() v: MouVersion, @Ctx() ctx: Context) {
    return v.actorMinistry ? ctx.loaders.byId(Ministry).load(v.actorMinistry.id) : null;
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
  @FieldResolver(() => ID, { description: 'Opaque id of the clause (named by explainAccess and the read log).' })
  id(@Root() clause: DataSharingClause) {
    return toGlobalId('DataSharingClause', clause.id);
  }

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
