import { Entity, Enum, ManyToOne, Property, Unique, type Opt, type Ref } from '@mikro-orm/core';
import { Field, GraphQLISODateTime, ObjectType } from 'type-graphql';
import { Role } from '../../access/roles';
import { BaseEntity } from '../../data/base.entity';
import { Ministry } from '../../data/ministry.entity';

/**
 * A ministry's client app: a system of its own (a training portal, a dashboard, a mobile app's back end) that
 * gets access tokens with its client id and secret (OAuth 2.0 client credentials) instead of borrowing a
 * person's password. Its id is the id of its account (`kind` APP), which the audit trail and the read log name
 * as the actor. Rows are written only by the database's functions (see the api_clients migration); secrets are
 * kept as hashes in a table the app role cannot read.
 */
@ObjectType({ simpleResolvers: true, description: "A ministry's client app, with credentials of its own (docs/clients.md)." })
@Entity({ tableName: 'api_client' })
// One live app of a name per ministry (revoked ones keep theirs).
@Unique({
  name: 'api_client_live_name',
  expression: 'create unique index "api_client_live_name" on "api_client" ("ministry_id", lower("name")) where "revoked_at" is null',
})
export class ApiClient extends BaseEntity {
  @Field(() => String, { description: 'The public half of its credentials: `client_id` at POST /oauth/token.' })
  @Property({ type: 'text' })
  @Unique()
  clientId!: string;

  @Field(() => String, { description: 'Its name, unique among the live apps of its ministry.' })
  @Property({ type: 'text' })
  name!: string;

  @ManyToOne({ entity: () => Ministry, ref: true, deleteRule: 'restrict' })
  ministry!: Ref<Ministry>;

  @Field(() => Role, { description: 'Its ceiling, VIEWER or EDITOR: its tokens act with this role for its ministry.' })
  @Enum({ items: () => Role, nativeEnumName: 'role' })
  role!: Role;

  @Field(() => Boolean, {
    description: 'Whether it runs only the documents registered for it (`registerTrustedDocuments`), sent by `documentId`; a document sent as text is refused.',
  })
  @Property({ type: 'boolean', default: false })
  requireTrustedDocuments: Opt<boolean> = false;

  /** Its ADMIN's quota figures per window; null: the operator's default (`quota` answers the figures in force). */
  @Property({ type: 'integer', nullable: true })
  quotaRequests?: number | null;

  @Property({ type: 'integer', nullable: true })
  quotaCost?: number | null;

  @Property({ type: 'uuid' })
  createdByAccountId!: string;

  @Field(() => GraphQLISODateTime, { nullable: true, description: 'When it was revoked: its secrets and tokens are refused from then on.' })
  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date | null;

  @Property({ type: 'uuid', nullable: true })
  revokedByAccountId?: string | null;
}
