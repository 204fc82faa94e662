import { BigIntType, Entity, Index, PrimaryKey, Property } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';

/**
 * One entry of the tamper-evident audit log: one per successful mutation,
 * written in the mutation's own transaction. `hash` is SHA-256 over the
 * event's place (`seq`, `prevHash`) and its content (canonical JSON, RFC
 * 8785), so the events form a chain; what binds the chain to
 * the server's audit key is an HMAC (the event's `signature`, and its seal
 * in `AuditSeal`), so a forger who recomputes hashes in SQL still cannot
 * sign them. The database refuses UPDATE, DELETE and TRUNCATE on this table.
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

  /**
   * Events linked by the database (since issue 11): HMAC of `contentDigest`.
   * Earlier events: HMAC of `hash`.
   */
  @Property({ type: 'string', length: 64 })
  signature!: string;

  /** SHA-256 of the event's canonical content; null on events written before the database linked them. */
  // Unique: a replayed event (its proof read off pg_stat_activity) is refused by the database (issue 29).
  @Property({ type: 'string', length: 64, nullable: true, unique: 'audit_event_content_digest_unique' })
  contentDigest?: string | null;
}

/**
 * The seal of one event linked by the database: HMAC(audit key, hash) from the
 * server that wrote it, once it has checked the link (see audit.chain.ts).
 * Append-only, written only through `sinergi_audit_seal`.
 */
@Entity()
export class AuditSeal {
  @PrimaryKey({ type: new BigIntType('string'), autoincrement: false })
  seq!: string;

  @Property({ type: 'string', length: 64 })
  hash!: string;

  @Property({ type: 'string', length: 64 })
  signature!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  sealedAt!: Date;
}
