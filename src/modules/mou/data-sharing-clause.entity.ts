import { Entity, Enum, ManyToOne, Property, type Ref, type Opt } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';
import { BaseEntity } from '../../kernel/base.entity';
import { ResourceType } from '../../shared/enums';
import { Ministry } from '../../kernel/ministry.entity';
import { Mou } from './mou.entity';

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
