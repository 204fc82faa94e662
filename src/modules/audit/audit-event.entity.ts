import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';

/**
 * One entry of the tamper-evident audit log: one per successful mutation,
 * written in the mutation's own transaction. `hash` is SHA-256 over the
 * canonical JSON (RFC 8785) of the event including `prevHash`, so the events
 * form a chain; `signature` is an HMAC of the hash with the server's audit
 * key, so a forger who recomputes hashes in SQL still cannot sign them. The
 * database refuses UPDATE, DELETE and TRUNCATE on this table.
 */
@ObjectType({ simpleResolvers: true })
@Entity()
@Index({ properties: ['entityType', 'entityId'] })
@Index({ properties: ['subjectMinistryId', 'seq'] })
export class AuditEvent {
  @Field(() => String, { description: 'Position in the chain, from 1, without gaps.' })
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: false })
  seq!: string;

  @Field(() => GraphQLISODateTime)
  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  requestId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorAccountId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorMinistryId?: string | null;

  @Field(() => String, { nullable: true })
  @Property({ type: 'string', nullable: true })
  actorRole?: string | null;

  @Field(() => String, { description: 'The mutation, e.g. updateInstitution.' })
  @Property({ type: 'string' })
  @Index()
  operation!: string;

  @Field(() => String)
  @Property({ type: 'string' })
  entityType!: string;

  @Property({ type: 'string', nullable: true })
  entityId?: string | null;

  /** The ministry whose data changed: its ADMIN may read this event. */
  @Property({ type: 'uuid', nullable: true })
  subjectMinistryId?: string | null;

  @Property({ type: 'json' })
  changes!: unknown[];

  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  prevHash!: string;

  @Field(() => String)
  @Property({ type: 'string', length: 64 })
  hash!: string;

  @Property({ type: 'string', length: 64 })
  signature!: string;
}
