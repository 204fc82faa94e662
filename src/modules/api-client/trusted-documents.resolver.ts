/**
 * An app's trusted documents, managed by its ministry's ADMIN: registered from the manifest the SDK's build
 * writes (each checked once here, see trusted-documents.ts), listed, and required or not. The app then sends
 * `documentId` instead of the text; the HTTP layer (server/trusted-documents.ts) looks it up.
 */
import { Arg, Ctx, Field, GraphQLISODateTime, ID, Info, Int, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../../context';
import { requireOwnMinistry } from '../../resource/guards';
import { notWritable } from '../../shared/errors';
import { fromGlobalId } from '../../shared/global-id';
import { ApiClient } from './api-client.entity';
import { CLIENT_ID_PATTERN } from './credentials';
import { checkDocuments } from './trusted-documents';

@ObjectType({ simpleResolvers: true, description: 'A document registered for a client app: the app sends its `id` as `documentId`.' })
class TrustedDocument {
  @Field(() => ID, { description: '`sha256:` and the hex SHA-256 of `body`, its exact text.' }) id!: string;
  @Field(() => String, { nullable: true, description: 'The name of its operation (of its first one, when it has several).' }) operationName!: string | null;
  @Field(() => Int, { description: 'What it costs at most, priced at registration as any request is (its variables at their defaults).' }) cost!: number;
  @Field(() => String, { description: 'Its text.' }) body!: string;
  @Field(() => GraphQLISODateTime, { description: 'When it was registered.' }) registeredAt!: Date;
}

@ObjectType({ simpleResolvers: true, description: "What a registration changed in an app's trusted documents (or would change, in a dry run)." })
class TrustedDocumentsRegistration {
  @Field(() => ApiClient, { description: 'The app.' }) client!: ApiClient;
  @Field(() => [ID], { description: 'Ids of the documents the manifest adds.' }) added!: string[];
  @Field(() => [ID], { description: 'Ids of the documents the app had and the manifest leaves out: no longer served.' }) removed!: string[];
  @Field(() => Int, { description: 'Documents the app had already.' }) unchanged!: number;
  @Field(() => Boolean, { description: 'True when nothing was written: a dry run.' }) dryRun!: boolean;
}

/** The app of a client id (`app_…`) or a global id, if it is the caller's ministry's; else the field is at fault. */
async function ownApp(ctx: Context, clientId: string, field: string): Promise<ApiClient> {
  const own = requireOwnMinistry(ctx);
  const where = CLIENT_ID_PATTERN.test(clientId) ? { clientId } : { id: fromGlobalId(clientId, 'ApiClient', field) };
  const app = await ctx.em.findOne(ApiClient, { ...where, ministry: own });
  if (!app) throw notWritable(field);
  return app;
}

@Resolver()
export class TrustedDocumentsResolver {
  @Query(() => [TrustedDocument], { nullable: true, description: 'The documents registered for an app of your ministry (ADMIN), by operation name.' })
  async trustedDocuments(
    @Arg('clientId', () => ID, { description: 'The app: its client id (`app_…`) or its global id.' }) clientId: string,
    @Ctx() ctx: Context,
  ): Promise<TrustedDocument[]> {
    const app = await ownApp(ctx, clientId, 'clientId');
    return ctx.em.execute<TrustedDocument[]>(
      `select document_id as id, operation_name as "operationName", cost, body, registered_at as "registeredAt"
         from api_client_document where client = ? order by operation_name nulls last, document_id`,
      [app.id],
    );
  }

  @Mutation(() => TrustedDocumentsRegistration, {
    nullable: true,
    description:
      "Registers the documents an app was built with (ADMIN of its ministry): the manifest's texts, each validated and priced now; the ids are computed here. The list replaces the app's earlier one: what it leaves out is no longer served. `dryRun` says what would change and writes nothing.",
  })
  async registerTrustedDocuments(
    @Arg('clientId', () => ID, { description: 'The app: its client id (`app_…`) or its global id.' }) clientId: string,
    @Arg('documents', () => [String], { description: 'The texts of its documents, as the SDK’s manifest holds them.' }) documents: string[],
    @Arg('dryRun', () => Boolean, { nullable: true, description: 'Only say what would be added and removed.' }) dryRun: boolean | null | undefined,
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
  ): Promise<TrustedDocumentsRegistration> {
    const app = await ownApp(ctx, clientId, 'clientId');
    if (app.revokedAt) throw notWritable('clientId');
    const checked = checkDocuments(info.schema, documents, ctx.services.requestRules);
    const had = new Set(
      (await ctx.em.execute<{ id: string }[]>('select document_id as id from api_client_document where client = ?', [app.id])).map((r) => r.id),
    );
    const wanted = new Set(checked.map((d) => d.id));
    let added = checked.filter((d) => !had.has(d.id)).map((d) => d.id);
    let removed = [...had].filter((id) => !wanted.has(id));
    if (!dryRun) {
      const [{ changed }] = await ctx.em.execute<{ changed: { added: string[]; removed: string[] } | null }[]>(
        // One JSON parameter, unpacked into the function's arrays in order (the driver would spread an array parameter).
        `select sinergi_api_client_set_documents(?, coalesce(d.ids, '{}'), coalesce(d.bodies, '{}'), coalesce(d.names, '{}'), coalesce(d.costs, '{}')) as changed
           from (select array_agg(e ->> 'id' order by i) as ids, array_agg(e ->> 'body' order by i) as bodies,
                        array_agg(e ->> 'operationName' order by i) as names, array_agg((e ->> 'cost')::int order by i) as costs
                   from jsonb_array_elements(?::jsonb) with ordinality as x (e, i)) d`,
        [app.id, JSON.stringify(checked)],
      );
      if (!changed) throw notWritable('clientId');
      ({ added, removed } = changed);
      // Parsed, validated and compiled now in this process, so the app's first request runs on a ready plan.
      ctx.services.trustedDocumentsChanged(
        app.id,
        checked.map((d) => d.body),
      );
    }
    ctx.mutation.note = { apiClient: app.clientId, added: added.length, removed: removed.length, dryRun: !!dryRun };
    return { client: app, added: added.sort(), removed: removed.sort(), unchanged: checked.length - added.length, dryRun: !!dryRun };
  }

  @Mutation(() => ApiClient, {
    nullable: true,
    description:
      'Whether an app of your ministry runs only its registered documents (ADMIN). Applies at every server process within seconds; staff are never held to documents.',
  })
  async requireTrustedDocuments(
    @Arg('clientId', () => ID, { description: 'The app: its client id (`app_…`) or its global id.' }) clientId: string,
    @Arg('required', () => Boolean, { description: 'True: documents sent as text are refused (TRUSTED_DOCUMENT_REQUIRED).' }) required: boolean,
    @Ctx() ctx: Context,
  ): Promise<ApiClient> {
    const app = await ownApp(ctx, clientId, 'clientId');
    const [{ done }] = await ctx.em.execute<{ done: boolean }[]>('select sinergi_api_client_require_documents(?, ?) as done', [app.id, required]);
    if (!done) throw notWritable('clientId');
    ctx.services.trustedDocumentsChanged(app.id);
    ctx.mutation.note = { apiClient: app.clientId, requireTrustedDocuments: required };
    await ctx.em.refresh(app);
    return app;
  }
}
