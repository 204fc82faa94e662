import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property, type Opt, type Ref } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';
import { v7 as uuidv7 } from 'uuid';
import { ResourceType } from '../../shared/enums';
import { Ministry } from '../../data/ministry.entity';
import { DataSharingClause, Mou } from '../mou/mou.entity';

/**
 * A read of full personal data by a ministry other than its owner (UU 27/2022:
 * the data subject may ask who processed their data). Written in the same
 * transaction that returns the data; never updated.
 */
@ObjectType({ simpleResolvers: true })
@Entity()
@Index({ properties: ['ownerMinistry', 'recordId'] })
export class PersonalDataRead {
  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Field(() => GraphQLISODateTime)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  readAt: Opt<Date> = new Date();

  @Property({ type: 'uuid' })
  readerAccountId!: string;

  @ManyToOne({ entity: () => Ministry, ref: true, deleteRule: 'restrict' })
  readerMinistry!: Ref<Ministry>;

  @ManyToOne({ entity: () => Ministry, ref: true, deleteRule: 'restrict' })
  ownerMinistry!: Ref<Ministry>;

  @Field(() => ResourceType)
  @Enum({ items: () => ResourceType, nativeEnumName: 'resource_type' })
  resourceType!: ResourceType;

  @Property({ type: 'uuid' })
  recordId!: string;

  @Field(() => [String], { description: 'The personal fields returned in full.' })
  @Property({ type: 'text[]' })
  fields!: string[];

  @ManyToOne({ entity: () => DataSharingClause, ref: true, deleteRule: 'restrict' })
  clause!: Ref<DataSharingClause>;

  @ManyToOne({ entity: () => Mou, ref: true, deleteRule: 'restrict' })
  mou!: Ref<Mou>;
}
