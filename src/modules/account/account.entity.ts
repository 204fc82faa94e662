import { Entity, Enum, ManyToOne, Property, Unique, type Ref, type Opt } from '@mikro-orm/core';
import { Field, ObjectType } from 'type-graphql';
import { Role } from '../../access/roles';
import { BaseEntity } from '../../shared/base.entity';
import { Ministry } from '../ministry/ministry.entity';

/** A user account. Auditors and platform admins belong to no ministry. */
@ObjectType({ simpleResolvers: true })
@Entity()
export class Account extends BaseEntity {
  @Field(() => String)
  @Property({ type: 'string' })
  @Unique()
  email!: string;

  /** argon2id; lazy so that no ordinary query ever loads it. */
  @Property({ type: 'string', lazy: true, hidden: true })
  passwordHash!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  displayName!: string;

  @ManyToOne({ entity: () => Ministry, ref: true, nullable: true, deleteRule: 'restrict' })
  ministry?: Ref<Ministry> | null;

  @Field(() => Role)
  @Enum({ items: () => Role, nativeEnumName: 'role' })
  role!: Role;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: true })
  active: Opt<boolean> = true;
}
