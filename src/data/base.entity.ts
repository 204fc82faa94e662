import { Entity, PrimaryKey, Property, type Opt } from '@mikro-orm/core';
import { v7 as uuidv7 } from 'uuid';
import { Field, GraphQLISODateTime, Int, ObjectType } from 'type-graphql';

/** Where an entity class made from fields keeps the values a new row starts with. */
export const INITIAL = Symbol('initial values');

/**
 * Columns every table has. Ids are UUIDv7: time-ordered, so the primary key
 * index stays compact and "oldest first" is simply "by id".
 */
@ObjectType({ simpleResolvers: true })
@Entity({ abstract: true })
export abstract class BaseEntity {
  constructor() {
    // An entity made from its fields (owned-entity.ts) starts with their defaults, as initialised properties would.
    const initial = (new.target as unknown as { [INITIAL]?: Record<string, unknown> })[INITIAL];
    for (const [key, value] of Object.entries(initial ?? {})) (this as Record<string, unknown>)[key] = Array.isArray(value) ? [...value] : value;
  }

  @PrimaryKey({ type: 'uuid' })
  id: string = uuidv7();

  @Field(() => GraphQLISODateTime)
  @Property({ type: 'datetime', defaultRaw: 'now()' })
  createdAt: Opt<Date> = new Date();

  @Field(() => GraphQLISODateTime)
  @Property({ type: 'datetime', defaultRaw: 'now()', onUpdate: () => new Date() })
  updatedAt: Opt<Date> = new Date();

  /** Optimistic locking: every UPDATE checks and bumps it. Clients send it back as `expectedVersion`. */
  @Field(() => Int)
  @Property({ type: 'integer', version: true })
  version!: Opt<number>;
}
