/**
 * Client apps (issue 32): a ministry ADMIN registers, lists, rotates and revokes its ministry's apps; an app
 * exchanges its client id and secret for an access token (`clientCredentialsToken`, which `POST /oauth/token`
 * runs as the OAuth 2.0 client-credentials grant). Every write goes through a database function that checks
 * the sealed scope again (see the api_clients migration), so the rules hold for a caller holding only the
 * app role's password too.
 */
import { IsIn, Length, Max, Min } from 'class-validator';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Field,
  FieldResolver,
  GraphQLISODateTime,
  ID,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
} from 'type-graphql';
import { Role } from '../../access/roles';
import type { LoginAttempt } from '../../access/login-throttle';
import type { Context } from '../../context';
import { Ministry } from '../../data/ministry.entity';
import { listConnection } from '../../resource/list';
import { requireOwnMinistry } from '../../resource/guards';
import { AppError, badUserInput, ErrorCode, notWritable } from '../../shared/errors';
import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { ApiClient } from './api-client.entity';
import { CLIENT_ID_PATTERN, newClientId, newClientSecret, secretHash } from './credentials';

/** How long a rotated secret keeps working beside its successor, unless the ADMIN says otherwise; and the most. */
export const DEFAULT_OVERLAP_HOURS = 24;
const MAX_OVERLAP_HOURS = 7 * 24;
const APP_ROLES = [Role.VIEWER, Role.EDITOR];

@InputType()
class CreateApiClientInput {
  @Field(() => String, {
    description: 'What the app is, as its ADMIN and the audit trail will read it: 2 to 100 characters, unique among its ministry’s live apps.',
  })
  @Length(2, 100)
  name!: string;
  @Field(() => Role, { description: "The app's ceiling: VIEWER or EDITOR. Its tokens act with this role for the ADMIN's ministry." })
  @IsIn(APP_ROLES, { message: 'must be VIEWER or EDITOR: an app never administers' })
  role!: Role;
  @Field(() => Boolean, {
    nullable: true,
    description: 'Whether it runs only its registered documents (`registerTrustedDocuments`). Unless given: the server’s TRUSTED_DOCUMENTS, on in production.',
  })
  requireTrustedDocuments?: boolean | null;
}

@ObjectType({ simpleResolvers: true })
class ApiClientCredentials {
  @Field(() => ApiClient) client!: ApiClient;
  @Field(() => String, {
    description:
      'The secret, shown this once and stored only as a hash: keep it in the app’s secret store. A lost secret is replaced with `rotateApiClientSecret`.',
  })
  clientSecret!: string;
}

@ObjectType({ simpleResolvers: true })
class RotatedApiClientSecret extends ApiClientCredentials {
  @Field(() => GraphQLISODateTime, { description: 'When the secrets it had before stop working: deploy the new one before then.' })
  previousSecretsExpireAt!: Date;
}

@ObjectType({ simpleResolvers: true })
class ClientCredentialsToken {
  @Field(() => String, { description: 'The access token: send it as "Authorization: Bearer <token>", as a staff token.' }) token!: string;
  @Field(() => GraphQLISODateTime, { description: 'When `token` expires (ACCESS_TOKEN_TTL): ask for a new one then; there is no refresh token.' })
  expiresAt!: Date;
  @Field(() => ApiClient) client!: ApiClient;
}

@ObjectType({ simpleResolvers: true, description: "An app's quota per window: what it may spend, as its ADMIN set it within the operator's bounds." })
class ApiClientQuota {
  @Field(() => Int, { description: 'Requests per window.' }) requestsPerWindow!: number;
  @Field(() => Int, { description: 'Cost units per window: each operation spends what it is priced at.' }) costPerWindow!: number;
  @Field(() => Int, { description: 'The window, in seconds (APP_QUOTA_WINDOW_SECONDS).' }) windowSeconds!: number;
  @Field(() => Boolean, { description: "True when these are the operator's defaults: its ADMIN set none." }) isDefault!: boolean;
}

const ApiClientConnection = connectionOf(ApiClient);

@ArgsType()
class ApiClientArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, description: 'Revoked apps too.' }) includeRevoked?: boolean;
}

/** The most a client id or secret can be: anything longer is refused before it is counted or hashed. */
const MAX_CREDENTIAL_LENGTH = 256;

/** Refuses a live app name the ministry uses already (the database's unique index, said as the field at fault). */
async function assertNameFree(ctx: Context, name: string): Promise<void> {
  const taken = await ctx.em.count(ApiClient, { ministry: requireOwnMinistry(ctx), revokedAt: null, name: { $ilike: name.replace(/[\\%_]/g, '\\$&') } });
  if (taken) throw badUserInput('Your ministry has a live app of this name already.', 'input.name');
}

@Resolver(() => ApiClient)
export class ApiClientResolver {
  @Query(() => ApiClientConnection, { nullable: true, description: "Your ministry's client apps (ADMIN), newest first." })
  apiClients(@Args(() => ApiClientArgs) args: ApiClientArgs, @Ctx() ctx: Context) {
    const where = { ministry: requireOwnMinistry(ctx), ...(args.includeRevoked ? {} : { revokedAt: null }) };
    return listConnection(ctx, ApiClient, where, { createdAt: 'desc', id: 'desc' }, args);
  }

  @Mutation(() => ApiClientCredentials, {
    nullable: true,
    description:
      'Registers a client app of your ministry (ADMIN): its client id, and its secret, shown once. The app gets tokens at POST /oauth/token (client credentials) and acts as itself in the audit trail and the read log.',
  })
  async createApiClient(@Arg('input', () => CreateApiClientInput) input: CreateApiClientInput, @Ctx() ctx: Context): Promise<ApiClientCredentials> {
    const name = input.name.trim();
    if (name.length < 2) throw badUserInput('input.name: must be 2 to 100 characters.', 'input.name');
    await assertNameFree(ctx, name);
    const clientId = newClientId();
    const clientSecret = newClientSecret();
    const [{ id }] = await ctx.em.execute<{ id: string }[]>('select sinergi_api_client_create(?, ?, ?, ?) as id', [
      clientId,
      name,
      input.role,
      secretHash(clientSecret),
    ]);
    const trusted = input.requireTrustedDocuments ?? ctx.services.appsRequireTrustedDocuments;
    if (trusted) await ctx.em.execute('select sinergi_api_client_require_documents(?, true)', [id]);
    ctx.mutation.note = { apiClient: clientId, name, role: input.role, requireTrustedDocuments: trusted };
    return { client: await ctx.em.findOneOrFail(ApiClient, { id }), clientSecret };
  }

  @Mutation(() => RotatedApiClientSecret, {
    nullable: true,
    description:
      'A new secret for a live app of your ministry (ADMIN), shown once. Its earlier secrets keep working for `overlapHours` (24 unless given, at most 168), so the app can be redeployed without a gap; tokens already issued live on until they expire.',
  })
  async rotateApiClientSecret(
    @Arg('id', () => ID) globalId: string,
    @Arg('overlapHours', () => Int, { nullable: true, description: 'How long the earlier secrets keep working: 0 (at once) to 168; 24 unless given.' })
    overlapHours: number | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<RotatedApiClientSecret> {
    const id = fromGlobalId(globalId, 'ApiClient', 'id');
    const hours = overlapHours ?? DEFAULT_OVERLAP_HOURS;
    if (!Number.isInteger(hours) || hours < 0 || hours > MAX_OVERLAP_HOURS)
      throw badUserInput(`overlapHours: must be 0 to ${MAX_OVERLAP_HOURS}.`, 'overlapHours');
    const clientSecret = newClientSecret();
    const [{ until }] = await ctx.em.execute<{ until: Date | null }[]>('select sinergi_api_client_rotate(?, ?, ?) as until', [
      id,
      secretHash(clientSecret),
      hours * 3600,
    ]);
    if (!until) throw notWritable('id');
    const client = await ctx.em.findOneOrFail(ApiClient, { id });
    ctx.mutation.note = { apiClient: client.clientId, rotated: true, overlapHours: hours };
    return { client, clientSecret, previousSecretsExpireAt: new Date(until) };
  }

  @Mutation(() => ApiClient, {
    nullable: true,
    description: 'Revokes an app of your ministry (ADMIN): its secrets and every token it holds are refused from the next request on, at every server process.',
  })
  async revokeApiClient(@Arg('id', () => ID) globalId: string, @Ctx() ctx: Context): Promise<ApiClient> {
    const id = fromGlobalId(globalId, 'ApiClient', 'id');
    const [{ done }] = await ctx.em.execute<{ done: boolean }[]>('select sinergi_api_client_revoke(?) as done', [id]);
    if (!done) throw notWritable('id');
    const client = await ctx.em.findOneOrFail(ApiClient, { id });
    ctx.mutation.note = { apiClient: client.clientId, revoked: true };
    return client;
  }

  @Mutation(() => ClientCredentialsToken, {
    nullable: true,
    description:
      "An app's access token for its client id and secret: the OAuth 2.0 client-credentials grant, which POST /oauth/token serves in the standard form. Failures are counted and delayed as failed logins are.",
  })
  async clientCredentialsToken(
    @Arg('clientId', () => String) clientId: string,
    @Arg('clientSecret', () => String) clientSecret: string,
    @Ctx() ctx: Context,
  ): Promise<ClientCredentialsToken> {
    if (clientId.length > MAX_CREDENTIAL_LENGTH) throw badUserInput(`Not a client id: at most ${MAX_CREDENTIAL_LENGTH} characters.`, 'clientId');
    if (clientSecret.length > MAX_CREDENTIAL_LENGTH) throw badUserInput(`Not a client secret: at most ${MAX_CREDENTIAL_LENGTH} characters.`, 'clientSecret');
    const attempt: LoginAttempt = { email: `client:${clientId}`, address: ctx.clientAddress, device: null };
    await ctx.services.loginThrottle.check(attempt);
    const ttl = ctx.services.tokens.accessTtlSeconds;
    const [{ session }] = CLIENT_ID_PATTERN.test(clientId)
      ? await ctx.em.execute<{ session: { sessionId: string; secret: string; accountId: string; role: Role; ministryId: string | null } | null }[]>(
          'select sinergi_api_client_session(?, ?, ?) as session',
          [clientId, secretHash(clientSecret), ttl],
        )
      : [{ session: null }];
    if (!session) {
      ctx.lane.answerDelayMs = await ctx.services.loginThrottle.failed(attempt);
      throw new AppError(ErrorCode.UNAUTHENTICATED, 'Wrong client id or secret, or the app is revoked.', { reason: 'INVALID_CLIENT' });
    }
    await ctx.services.loginThrottle.succeeded(attempt);
    // The rest of this response, and its audit event, are the app's own.
    await ctx.identify(session);
    const token = await ctx.services.tokens.sign({ ...session, app: true });
    const client = await ctx.em.findOneOrFail(ApiClient, { id: session.accountId });
    return { token, expiresAt: new Date(Date.now() + ttl * 1000), client };
  }

  @FieldResolver(() => ID)
  id(@Root() client: ApiClient) {
    return toGlobalId('ApiClient', client.id);
  }

  @FieldResolver(() => Ministry, { nullable: true, description: 'The ministry the app acts for.' })
  ministry(@Root() client: ApiClient, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Ministry).load(client.ministry.id);
  }

  @FieldResolver(() => ApiClientQuota, { description: 'What it may spend per window; every answer to it says what is left (RateLimit header fields).' })
  quota(@Root() client: ApiClient, @Ctx() ctx: Context): ApiClientQuota {
    const b = ctx.services.appQuotas;
    return {
      requestsPerWindow: Math.min(client.quotaRequests ?? b.defaultRequests, b.maxRequests),
      costPerWindow: Math.min(client.quotaCost ?? b.defaultCost, b.maxCost),
      windowSeconds: b.windowSeconds,
      isDefault: client.quotaRequests == null && client.quotaCost == null,
    };
  }

  @Mutation(() => ApiClient, {
    nullable: true,
    description:
      "Sets an app's quota per window (ADMIN of its ministry), up to the operator's maxima (APP_QUOTA_MAX_REQUESTS, APP_QUOTA_MAX_COST). Applies at every server process within seconds.",
  })
  async setApiClientQuota(
    @Arg('id', () => ID) globalId: string,
    @Arg('requestsPerWindow', () => Int, { description: 'Requests per window: 1 to APP_QUOTA_MAX_REQUESTS.' }) requests: number,
    @Arg('costPerWindow', () => Int, { description: 'Cost units per window: 1 to APP_QUOTA_MAX_COST.' }) cost: number,
    @Ctx() ctx: Context,
  ): Promise<ApiClient> {
    const id = fromGlobalId(globalId, 'ApiClient', 'id');
    const b = ctx.services.appQuotas;
    if (requests < 1 || requests > b.maxRequests) throw badUserInput(`requestsPerWindow: must be 1 to ${b.maxRequests}.`, 'requestsPerWindow');
    if (cost < 1 || cost > b.maxCost) throw badUserInput(`costPerWindow: must be 1 to ${b.maxCost}.`, 'costPerWindow');
    const [{ done }] = await ctx.em.execute<{ done: boolean }[]>('select sinergi_api_client_set_quota(?, ?, ?) as done', [id, requests, cost]);
    if (!done) throw notWritable('id');
    ctx.services.appQuotaChanged(id);
    const client = await ctx.em.findOneOrFail(ApiClient, { id });
    await ctx.em.refresh(client);
    ctx.mutation.note = { apiClient: client.clientId, requestsPerWindow: requests, costPerWindow: cost };
    return client;
  }

  @FieldResolver(() => Boolean, { description: 'False once revoked.' })
  active(@Root() client: ApiClient) {
    return !client.revokedAt;
  }
}
