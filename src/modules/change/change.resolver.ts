/**
 * `subscription { changes(after:, types:) { cursor operation id type node occurredAt } }` (issue 33): every
 * change to a record the subscriber may read, in commit order, read from the audit log.
 *
 * This file is the schema's side only. The stream itself — waking on new events, reading each batch in a
 * transaction of the subscriber's own with its scope as it is at that moment, closing when the session
 * ends — is the server's (server/change-stream.ts), reached through `ctx.services.changes`. Each event is
 * executed with the context of the batch that read it, so `node` is read through the ordinary read path:
 * row-level security, masking and the read log apply to it as to any query.
 */
import {
  Arg,
  Ctx,
  Field,
  FieldResolver,
  GraphQLISODateTime,
  ID,
  ObjectType,
  Resolver,
  Root,
  Subscription,
  registerEnumType,
  type ClassType,
} from 'type-graphql';
import type { ChangeEvent, Context } from '../../context';
import { Node } from '../../data/node.interface';
import type { Resource } from '../../resource/resource';
import { toGlobalId } from '../../shared/global-id';

export enum ChangeOperation {
  CREATED = 'CREATED',
  UPDATED = 'UPDATED',
  DELETED = 'DELETED',
}
registerEnumType(ChangeOperation, {
  name: 'ChangeOperation',
  description: 'What a change did to its record.',
  valuesConfig: {
    CREATED: { description: 'The record was created.' },
    UPDATED: { description: 'The record was changed (an MoU: drafted, signed, amended, narrowed or terminated).' },
    DELETED: { description: 'The record was deleted: `node` is null.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'One change to a record you may read, in the order changes were committed.' })
export class Change {
  @Field(() => String, { description: 'Its position in the order of changes: pass it as `after` to resume after it.' })
  cursor!: string;

  @Field(() => ChangeOperation, { description: 'What the change did.' })
  operation!: ChangeOperation;

  @Field(() => String, { description: 'The type of the record changed, e.g. `Trainee` or `Mou`.' })
  type!: string;

  @Field(() => GraphQLISODateTime, { description: 'When the change was committed (its audit event).' })
  occurredAt!: Date;
}

/** The `changes` subscription over every resource that declares a node type. */
export function changesResolver(resources: readonly Resource[]) {
  const types = new Map<string, ClassType<object>>(resources.filter((r) => r.node).map((r) => [r.name, r.node as ClassType<object>]));

  @Resolver(() => Change)
  class ChangeResolver {
    @Subscription(() => Change, {
      description:
        'Every change to a record you may read — each owned resource, and the MoUs you are a party to — as it commits. ' +
        'Pass the `cursor` of the last change you received as `after` to receive exactly what you missed (within the retention, CHANGES_RETENTION_DAYS); ' +
        'without it, the stream starts now. Over WebSocket (graphql-ws) on the GraphQL path, or Server-Sent Events at /graphql/stream.',
      subscribe: ({ args, context }) => (context as Context).services.changes(context as Context, args as { after?: string | null; types?: string[] | null }),
    })
    changes(
      @Root() event: ChangeEvent,
      @Arg('after', () => String, { nullable: true, description: 'The `cursor` of the last change received.' }) _after: string | null,
      @Arg('types', () => [String], { nullable: true, description: 'Only changes to records of these types (e.g. `["Mou"]`); all when left out.' })
      _types: string[] | null,
    ): ChangeEvent {
      return event;
    }

    @FieldResolver(() => ID, { description: 'The global id of the record changed.' })
    id(@Root() event: ChangeEvent): string {
      return toGlobalId(event.type, event.recordId);
    }

    @FieldResolver(() => Node, {
      nullable: true,
      description:
        'The record as it is now, read as any query reads it (masked where you may not read personal data in full); null after a delete, or when you may no longer read it.',
    })
    node(@Root() event: ChangeEvent, @Ctx() ctx: Context): Promise<object | null> | null {
      const entity = types.get(event.type);
      if (!entity || event.operation === ChangeOperation.DELETED) return null;
      return ctx.loaders.byId(entity).load(event.recordId) as Promise<object | null>;
    }
  }
  return ChangeResolver;
}

/** Who may subscribe: anyone signed in; what each receives is their scope's business (`sinergi_changes`). */
export const changesPolicy = { changes: { audience: 'authenticated', scoped: true } } as const;
