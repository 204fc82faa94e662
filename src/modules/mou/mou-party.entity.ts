import { Entity, Index, ManyToOne, Property, type Ref } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';
import { BaseEntity } from '../../kernel/base.entity';
import { Ministry } from '../../kernel/ministry.entity';
import { Mou } from './mou.entity';

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
