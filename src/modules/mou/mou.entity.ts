import { Collection, Entity, Enum, Filter, Index, ManyToOne, OneToMany, OptionalProps, Property, type Opt, type Ref } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../data/owned.entity';
import { MouStatus } from '../../shared/enums';
import { todayInJakarta } from '../../shared/time';
import { Node } from '../../data/node.interface';
import { BaseEntity } from '../../data/base.entity';
import { Ministry } from '../../data/ministry.entity';
import { ResourceType } from '../../shared/enums';

/**
 * A memorandum of understanding (nota kesepahaman). Owned by the drafting
 * ministry; every party ministry can read it (`partyMinistryIds` mirrors the
 * parties so the scope filter and row-level security need no join).
 */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
@Filter({ name: 'scope', cond: scopeFilter('Mou', 'partyMinistryIds'), default: true })
@Index({ properties: ['ownerMinistry', 'id'] })
export class Mou extends OwnedEntity {
  /** `status` is derived, never written. */
  [OptionalProps]?: 'status';

  @Field(() => String)
  @Property({ type: 'string' })
  title!: string;

  @Field(() => String, { nullable: true, description: 'Document number(s) as printed on the MoU.' })
  @Property({ type: 'string', nullable: true })
  documentNumber?: string | null;

  @Field(() => String, { description: 'What the parties agree to cooperate on.' })
  @Property({ type: 'text' })
  scope!: string;

  /** DRAFT, ACTIVE or TERMINATED as recorded; EXPIRED is derived in `status`. */
  @Enum({ items: () => MouStatus, nativeEnumName: 'mou_status' })
  recordedStatus: Opt<MouStatus> = MouStatus.DRAFT;

  @Field(() => GraphQLLocalDate)
  @Property({ type: 'date' })
  validFrom!: string;

  @Field(() => GraphQLLocalDate, { description: 'First day on which the MoU is no longer valid (exclusive).' })
  @Property({ type: 'date' })
  validUntil!: string;

  @Field(() => String, { nullable: true, description: 'SHA-256 (hex) of the signed document.' })
  @Property({ type: 'string', length: 64, nullable: true })
  documentHash?: string | null;

  @Field(() => GraphQLLocalDate, { nullable: true, description: 'When the implementing agreement (PKS) is due.' })
  @Property({ type: 'date', nullable: true })
  followUpDueDate?: string | null;

  @Field(() => GraphQLISODateTime, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  terminatedAt?: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'text', nullable: true })
  terminationReason?: string | null;

  @Property({ type: 'uuid[]' })
  @Index({ type: 'gin' })
  partyMinistryIds: Opt<string[]> = [];

  @OneToMany({ entity: () => MouParty, mappedBy: 'mou', orphanRemoval: true })
  parties = new Collection<MouParty>(this);

  @OneToMany({ entity: () => DataSharingClause, mappedBy: 'mou', orphanRemoval: true })
  clauses = new Collection<DataSharingClause>(this);

  /** The status at `today`: an ACTIVE MoU outside its window reads as EXPIRED, with no job to run. */
  statusOn(today: string): MouStatus {
    if (this.recordedStatus === MouStatus.ACTIVE && (today >= this.validUntil || today < this.validFrom)) {
      return today >= this.validUntil ? MouStatus.EXPIRED : MouStatus.ACTIVE;
    }
    return this.recordedStatus;
  }

  @Field(() => MouStatus)
  get status(): MouStatus {
    return this.statusOn(todayInJakarta());
  }

  /** Whether its clauses are in force on `today`: ACTIVE (all signed) and validFrom <= today < validUntil. */
  inForceOn(today: string): boolean {
    return this.recordedStatus === MouStatus.ACTIVE && this.validFrom <= today && today < this.validUntil;
  }
}

// The MoU's parties and clauses live beside it: each points to its MoU, and the MoU lists them.

/** A party ministry of an MoU and its signature. */
@ObjectType({ simpleResolvers: true })
@Entity()
@Index({ properties: ['mou', 'ministry'] })
export class MouParty extends BaseEntity {
  @ManyToOne({ entity: () => Mou, ref: true, deleteRule: 'cascade' })
  mou!: Ref<Mou>;

  @ManyToOne({ entity: () => Ministry, ref: true, deleteRule: 'restrict' })
  ministry!: Ref<Ministry>;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When this party signed; null while unsigned.' })
  @Property({ type: 'datetime', nullable: true })
  signedAt?: Date | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  signatoryName?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  signatoryTitle?: string | null;
}

/** provider -> recipient, resource types, personal data or not, purpose (legal basis). */
@ObjectType({ simpleResolvers: true })
@Entity()
export class DataSharingClause extends BaseEntity {
  @ManyToOne({ entity: () => Mou, ref: true, index: true, deleteRule: 'cascade' })
  mou!: Ref<Mou>;

  @ManyToOne({ entity: () => Ministry, ref: true, deleteRule: 'restrict' })
  providerMinistry!: Ref<Ministry>;

  @ManyToOne({ entity: () => Ministry, ref: true, index: true, deleteRule: 'restrict' })
  recipientMinistry!: Ref<Ministry>;

  @Field(() => [ResourceType])
  @Enum({ items: () => ResourceType, array: true, nativeEnumName: 'resource_type' })
  resourceTypes: Opt<ResourceType[]> = [];

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: false })
  includesPersonalData: Opt<boolean> = false;

  @Field(() => String, { description: 'Purpose and legal basis, e.g. protection of calon PMI under UU 18/2017.' })
  @Property({ type: 'text' })
  purpose!: string;

  /**
   * Set when an amendment replaced this clause. Clauses of a signed MoU are
   * never deleted, so the read log and the MoU's history keep pointing at them.
   */
  @Field(() => GraphQLISODateTime, { nullable: true })
  @Property({ type: 'datetime', nullable: true })
  retiredAt?: Date | null;
}
