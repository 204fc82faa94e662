import { Entity, Property, Unique, type Opt } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { BaseEntity } from './base.entity';
import { Node } from './node.interface';

/** A ministry is a row, not an enum: a thirteenth partner is an insert. */
@ObjectType({ implements: Node, simpleResolvers: true })
@Entity()
export class Ministry extends BaseEntity {
  @Field(() => String, { description: 'Short code, e.g. KP2MI, KESDM, KEMENPERIN.' })
  @Property({ type: 'string', length: 32 })
  @Unique()
  code!: string;

  @Field(() => String, { description: 'Official Indonesian name.' })
  @Property({ type: 'string' })
  name!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  nameEn!: string;

  @Field(() => Boolean, { description: 'True for KP2MI, the coordinating ministry.' })
  @Property({ type: 'boolean', default: false })
  isCoordinator: Opt<boolean> = false;
}
