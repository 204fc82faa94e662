import { Entity, Enum, ManyToOne, OptionalProps, Property, Unique, type Ref, type Opt } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, ObjectType, registerEnumType } from 'type-graphql';
import { Role } from '../../access/roles';
import { BaseEntity } from '../../data/base.entity';
import { Ministry } from '../../data/ministry.entity';

export enum AccountStatus {
  ACTIVE = 'ACTIVE',
  PENDING_APPROVAL = 'PENDING_APPROVAL',
  INACTIVE = 'INACTIVE',
}
export enum AccountKind {
  PERSON = 'PERSON',
  APP = 'APP',
}
registerEnumType(AccountKind, {
  name: 'AccountKind',
  description:
    "PERSON: a member of staff, who signs in with a password. APP: a ministry's client app (`apiClients`), which gets tokens with its client credentials.",
});

registerEnumType(AccountStatus, {
  name: 'AccountStatus',
  description: 'PENDING_APPROVAL: an ADMIN created by a PLATFORM_ADMIN, until an ADMIN of its ministry approves it.',
});

/** A user account. Auditors and platform admins belong to no ministry. */
@ObjectType({ simpleResolvers: true })
@Entity()
export class Account extends BaseEntity {
  [OptionalProps]?: 'status' | 'kind';

  @Field(() => String)
  @Property({ type: 'string' })
  @Unique()
  email!: string;

  /** argon2id. Written, never read: the app role has no SELECT on it, and logins compare it inside the database. */
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

  @Field(() => AccountKind, { description: 'A person, or a client app acting as itself.' })
  @Enum({ items: () => AccountKind, type: 'text', default: AccountKind.PERSON })
  kind: Opt<AccountKind> = AccountKind.PERSON;

  @Field(() => Boolean)
  @Property({ type: 'boolean', default: true })
  active: Opt<boolean> = true;

  /** An ADMIN made by a PLATFORM_ADMIN for a ministry that has one already: inert until approved. */
  @Property({ type: 'boolean', default: false })
  pending: Opt<boolean> = false;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When an ADMIN of the ministry approved this account.' })
  @Property({ type: 'datetime', nullable: true })
  approvedAt?: Date | null;

  @Property({ type: 'uuid', nullable: true })
  approvedByAccountId?: string | null;

  @Field(() => AccountStatus)
  get status(): AccountStatus {
    if (!this.active) return AccountStatus.INACTIVE;
    return this.pending ? AccountStatus.PENDING_APPROVAL : AccountStatus.ACTIVE;
  }
}
