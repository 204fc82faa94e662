import { Collection, Entity, Enum, Filter, Index, OneToMany, OptionalProps, Property, type Opt } from '@mikro-orm/core';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';
import { scopeFilter } from '../../access/scope';
import { OwnedEntity } from '../../kernel/base.entity';
import { MouStatus } from '../../shared/enums';
import { todayInJakarta } from '../../shared/time';
import { Node } from '../../kernel/node.interface';
import { DataSharingClause } from './data-sharing-clause.entity';
import { MouParty } from './mou-party.entity';

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
