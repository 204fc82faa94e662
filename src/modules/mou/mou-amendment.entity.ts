import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique, type Opt, type Ref } from '@mikro-orm/core';

import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from 'type-graphql';
import { ResourceType } from '../../shared/enums';
import { Ministry } from '../../data/ministry.entity';
import { Mou } from './mou.entity';

export enum AmendmentStatus {
  PENDING = 'PENDING',
  APPLIED = 'APPLIED',
  REJECTED = 'REJECTED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(AmendmentStatus, {
  name: 'AmendmentStatus',
  description: 'PENDING until every party has signed (then APPLIED), or one rejected it or its proposer withdrew it.',
});

/** A clause as an amendment proposes it (ministry ids are database ids inside the stored proposal). */
export interface ProposedClauseData {
  providerMinistryId: string;
  recipientMinistryId: string;
  resourceTypes: ResourceType[];
  includesPersonalData: boolean;
  purpose: string;
}

/** What an amendment would change; an absent key leaves that part of the MoU as it is. */
export interface AmendmentProposal {
  title?: string;
  scope?: string;
  validUntil?: string;
  followUpDueDate?: string | null;
  documentHash?: string | null;
  /** Replaces every clause in force; absent: the clauses stay. */
  clauses?: ProposedClauseData[];
}

/**
 * A proposed new version of an ACTIVE MoU. The app role reads it; it is
 * written only by the database's amendment functions, which take effect when
 * the last party signs.
 */
@ObjectType({ simpleResolvers: true })
@Entity()
@Unique({ properties: ['mou', 'number'] })
// At most one amendment awaits signatures per MoU, whoever proposes it and however many processes race.
@Unique({
  name: 'mou_amendment_one_pending',
  expression: `create unique index "mou_amendment_one_pending" on "mou_amendment" ("mou_id") where "status" = 'PENDING'`,
})
export class MouAmendment {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne({ entity: () => Mou, ref: true, deleteRule: 'cascade' })
  mou!: Ref<Mou>;

  @Field(() => Int, { description: "1 for the MoU's first amendment, then one more for each." })
  @Property({ type: 'integer' })
  number!: number;

  @Field(() => AmendmentStatus)
  @Enum({ items: () => AmendmentStatus, nativeEnumName: 'mou_amendment_status' })
  status: Opt<AmendmentStatus> = AmendmentStatus.PENDING;

  @Field(() => String)
  @Property({ type: 'text' })
  reason!: string;

  @Property({ type: 'json' })
  proposal!: AmendmentProposal;

  @ManyToOne({ entity: () => Ministry, ref: true, deleteRule: 'restrict' })
  proposedByMinistry!: Ref<Ministry>;

  @Property({ type: 'uuid' })
  proposedByAccountId!: string;

  @Field(() => GraphQLISODateTime)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was applied, rejected or withdrawn.' })
  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date | null;

  @Field(() => String, { nullable: true, description: 'Why it was rejected or withdrawn.' })
  @Property({ type: 'text', nullable: true })
  decisionReason?: string | null;

  @Property({ type: 'uuid', nullable: true })
  decidedByMinistryId?: string | null;
}

/** One party's signature of an amendment. */
@ObjectType({ simpleResolvers: true })
@Entity()
@Unique({ properties: ['amendment', 'ministry'] })
export class MouAmendmentSignature {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @ManyToOne({ entity: () => MouAmendment, ref: true, deleteRule: 'cascade' })
  amendment!: Ref<MouAmendment>;

  @ManyToOne({ entity: () => Ministry, ref: true, deleteRule: 'restrict' })
  ministry!: Ref<Ministry>;

  @Property({ type: 'uuid' })
  accountId!: string;

  @Field(() => GraphQLISODateTime)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  signedAt: Opt<Date> = new Date();

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  signatoryName?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  signatoryTitle?: string | null;
}

/** GraphQL view of a proposed clause. */
@ObjectType({ simpleResolvers: true })
export class ProposedClause {
  @Field(() => Ministry) providerMinistry!: Ministry;
  @Field(() => Ministry) recipientMinistry!: Ministry;
  @Field(() => [ResourceType]) resourceTypes!: ResourceType[];
  @Field(() => Boolean) includesPersonalData!: boolean;
  @Field(() => String) purpose!: string;
}
