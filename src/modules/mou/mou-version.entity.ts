import { Entity, Enum, ManyToOne, PrimaryKey, Property, Unique, type Ref, type Opt } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, Int, ObjectType, registerEnumType } from 'type-graphql';
import { v7 as uuidv7 } from 'uuid';
import { MouStatus, ResourceType } from '../../shared/enums';
import { Ministry } from '../../data/ministry.entity';
import { type DataSharingClause, Mou } from './mou.entity';

export enum MouEvent {
  CREATED = 'CREATED',
  EDITED = 'EDITED',
  SIGNED = 'SIGNED',
  ACTIVATED = 'ACTIVATED',
  AMENDED = 'AMENDED',
  TERMINATED = 'TERMINATED',
  AMENDMENT_PROPOSED = 'AMENDMENT_PROPOSED',
  AMENDMENT_SIGNED = 'AMENDMENT_SIGNED',
  AMENDMENT_REJECTED = 'AMENDMENT_REJECTED',
  AMENDMENT_WITHDRAWN = 'AMENDMENT_WITHDRAWN',
  NARROWED = 'NARROWED',
}
registerEnumType(MouEvent, { name: 'MouEvent' });

/** The content of an MoU at one version: what the parties agreed to, clauses included. */
export interface MouSnapshot {
  title: string;
  documentNumber: string | null;
  scope: string;
  validFrom: string;
  validUntil: string;
  documentHash: string | null;
  followUpDueDate: string | null;
  status: MouStatus;
  partyMinistryIds: string[];
  signedBy: string[];
  clauses: { providerMinistryId: string; recipientMinistryId: string; resourceTypes: ResourceType[]; includesPersonalData: boolean; purpose: string }[];
  /** For amendment events: the proposal, who has signed it, and how it ended. */
  amendment?: { number: number; status: string; proposal: unknown; signedBy: string[] };
}

/**
 * One entry of an MoU's history: every draft, edit, signature, activation,
 * amendment and termination, with the content as it stood afterwards. Never
 * updated or deleted.
 */
@ObjectType({ simpleResolvers: true })
@Entity()
@Unique({ properties: ['mou', 'number'] })
export class MouVersion {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @ManyToOne({ entity: () => Mou, ref: true, deleteRule: 'cascade' })
  mou!: Ref<Mou>;

  @Field(() => Int, { description: '1 for the first draft, then one more for every event.' })
  @Property({ type: 'integer' })
  number!: number;

  @Field(() => MouEvent)
  @Enum({ items: () => MouEvent, nativeEnumName: 'mou_event' })
  event!: MouEvent;

  @Field(() => String, { nullable: true, description: 'Why: required for amendments and terminations.' })
  @Property({ type: 'text', nullable: true })
  reason?: string | null;

  @Property({ type: 'json' })
  snapshot!: MouSnapshot;

  @Property({ type: 'uuid', nullable: true })
  actorAccountId?: string | null;

  @ManyToOne({ entity: () => Ministry, ref: true, nullable: true, deleteRule: 'restrict' })
  actorMinistry?: Ref<Ministry> | null;

  @Field(() => GraphQLISODateTime)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();
}

/** An MoU's content as a version records it: the one shape the workflow and the demo data both write. */
export function mouSnapshot(mou: Mou, status: MouStatus, partyMinistryIds: string[], signedBy: string[], clauses: DataSharingClause[]): MouSnapshot {
  return {
    title: mou.title,
    documentNumber: mou.documentNumber ?? null,
    scope: mou.scope,
    validFrom: mou.validFrom,
    validUntil: mou.validUntil,
    documentHash: mou.documentHash ?? null,
    followUpDueDate: mou.followUpDueDate ?? null,
    status,
    partyMinistryIds,
    signedBy,
    clauses: clauses.map((c) => ({
      providerMinistryId: c.providerMinistry.id,
      recipientMinistryId: c.recipientMinistry.id,
      resourceTypes: c.resourceTypes,
      includesPersonalData: c.includesPersonalData,
      purpose: c.purpose,
    })),
  };
}
