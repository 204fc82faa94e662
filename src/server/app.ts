/**
 * The application, composed of its named parts: the process's services
 * (tokens, cursors, login limits, replicas, Redis), the schema with its
 * shield (graphql/schema.ts), Apollo (apollo.ts) with one transaction per
 * operation (transactions.ts), the turns operations take (lanes.ts), GraphQL
 * over HTTP (graphql-http.ts), the routes (routes.ts), CORS, the access log
 * and metrics. No listen() here, so tests build the same app and call it
 * in-process.
 */
import type { ApolloServer } from '@apollo/server';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import Redis from 'ioredis';
import { TokenService } from '../access/tokens';
import { LoginThrottle } from '../access/login-throttle';
import { SessionLiveness } from '../access/session-liveness';
import { appendEvent, sealsWritten } from '../modules/audit/audit.writer';
import { AuditLog } from '../modules/audit/log/audit-log';
import { logSigner, previousLogKeys } from '../modules/audit/log/log-key';
import { IMPORTERS, RESOURCES } from '../modules';
import type { AuditAppender } from '../data/audit-event';
import type { Config } from '../config';
import type { Context } from '../context';
import { buildAppSchema } from '../graphql/schema';
import { CursorSeal } from '../shared/cursor-seal';
import { ErrorCode } from '../shared/errors';
import { ReplicaRouter } from '../db/replicas';
import { preparing } from '../db/prepared';
import { bearerFrom, createContext, type ContextDeps } from './request-context';
import { startApollo } from './apollo';
import { ChangeFeed } from './change-feed';
import { ChangeStreams } from './change-stream';
import { subscriptionTransports } from './subscriptions';
import { PreparedDocuments } from './prepared-documents';
import { JitPlans } from '../graphql/jit-executor';
import { requestRules } from '../shared/query-limits';
import { operationLanes } from './lanes';
import { transactionPlugin } from './transactions';
import { graphqlHttp } from './graphql-http';
import { routes } from './routes';
import { corsFor } from './cors';
import { accessLog, requestIdOf } from './access-log';
import { exportLists } from './export-csv';
import { importLists } from './import-csv';
import { knownOperationNames, Metrics, type PoolStats } from './metrics';
import { activeSpan } from './tracing';
import { TrustedDocuments, type DocumentAnswer } from './trusted-documents';
import { AppQuotas } from './app-quotas';
import { clientAddressOf, send, sendError } from './http';

export interface App {
  apollo: ApolloServer<Context>;
  /** The served schema (shield and middlewares applied), as Apollo and the compiled executor have it. */
  schema: GraphQLSchema;
  tokens: TokenService;
  /** Prometheus metrics of this process (served by server.ts on METRICS_PORT, or here with METRICS_TOKEN). */
  metrics: Metrics;
  /** The audit log's tree and checkpoints (modules/audit/log). */
  auditLog: AuditLog;
  /** Parsed and validated documents, client apps' registered documents prepared ahead (prepared-documents.ts). */
  documentStore: PreparedDocuments;
  /** The `changes` subscriptions of this process: their cohorts and batches read (change-stream.ts). */
  changeStreams: ChangeStreams;
  /** Builds a request context for a viewer (tests call operations through it). */
  context(authorization?: string | null, requestId?: string, clientAddress?: string): Promise<Context>;
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The HTTP server's `upgrade` event: subscriptions over WebSocket (subscriptions.ts). */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  stop(): Promise<void>;
}

/** Where a subscription's document is resolved as if posted (trusted-documents.ts reads only its query string). */
const SUBSCRIBE_URL = new URL('http://localhost/graphql');

/** The connection pool (knex's tarn pool) behind an ORM, for the pool gauges. */
const poolOf = (orm: MikroORM): PoolStats | undefined => (orm.em.getConnection().getKnex().client as { pool?: PoolStats }).pool;

/** The hash-chained append, its latency observed by the metrics. */
const metered =
  (metrics: Metrics): AuditAppender =>
  (em, key, content) =>
    appendEvent(em, key, content, metrics.observeAuditAppend);

export async function createApp(opts: {
  orm: MikroORM;
  /** Read replicas, connected as the app role: queries that write nothing go there (db/replicas.ts). */
  replicas?: readonly MikroORM[];
  config: Config;
  log: Logger;
  demoPassword?: string | null;
  /** How each mutation's audit event is appended; the hash-chained append unless given (the audit benchmark gives another). */
  appendAudit?: AuditAppender;
}): Promise<App> {
  const { orm, config, log } = opts;
  preparing.enabled = config.preparedStatements;
  const tokens = new TokenService(config.jwtSecret, config.jwtTtl, config.accessTokenTtl);
  const cursors = new CursorSeal(config.jwtSecret);
  const redis = config.redisUrl ? new Redis(config.redisUrl, { lazyConnect: false, maxRetriesPerRequest: 2, enableOfflineQueue: true }) : null;
  const loginThrottle = new LoginThrottle(redis, config.redisPrefix);
  const replicas = new ReplicaRouter(opts.replicas ?? [], config.replicaPinMs, redis, config.redisPrefix);
  const schema = await buildAppSchema();
  const metrics = new Metrics(
    () => ({ primary: poolOf(orm), ...Object.fromEntries(replicas.replicas.map((r, i) => [`replica-${i}`, poolOf(r)])) }),
    knownOperationNames(schema),
  );
  // Each error of a request, to the request's own logger: an unexpected one is logged with its request id.
  const errorLoggers = new WeakMap<object, Logger>();
  const lanes = operationLanes(config);
  const quotas = new AppQuotas(config.appQuotas, redis, config.redisPrefix, async (accountId) => {
    const [row] = await orm.em
      .getConnection()
      .execute<{ app: boolean | null; requests: number | null; cost: number | null }[]>('select app, requests, cost from sinergi_api_client_quota(?)', [
        accountId,
      ]);
    return row?.app ? { requests: row.requests, cost: row.cost } : null;
  });
  const transactions = transactionPlugin({ config, lanes, replicas, log, errorLoggers, quotas });
  const plans = new JitPlans(schema);
  const rules = requestRules(config.introspection);
  const prepared = new PreparedDocuments(plans, rules);
  const apollo = await startApollo({ schema, config, log, redis, transactions, errorLoggers, plans, documentStore: prepared });

  // A signed-in caller's room before its request is read needs a live session, not only a valid signature.
  const liveness = new SessionLiveness(async (sessionId, secret) => {
    const [row] = await orm.em.getConnection().execute<{ live: boolean }[]>('select sinergi_session_live(?, ?) as live', [sessionId, secret]);
    return row?.live === true;
  });
  const documents = new TrustedDocuments(async (accountId, documentId) => {
    const [row] = await orm.em
      .getConnection()
      .execute<DocumentAnswer[]>('select app, required, body from sinergi_api_client_document(?, ?)', [accountId, documentId]);
    // Registered at another process, or before this one started: readied here once, before it runs.
    if (row?.body) prepared.prepare([row.body], false);
    return row ?? { app: false, required: false, body: null };
  });
  // The `changes` subscription: woken by the audit log's notifications, read once per scope (change-stream.ts).
  const feed = new ChangeFeed(orm, log);
  const streams = new ChangeStreams(feed, cursors, new Set(RESOURCES.filter((r) => r.node).map((r) => r.name)), config.changesRetentionDays * 86_400_000, log);
  const auditLog = new AuditLog(orm, logSigner(config), config.auditLogOrigin, log, previousLogKeys(config));
  auditLog.start(config.auditLogIntervalMs);
  const contextDeps: ContextDeps = {
    orm,
    replicas,
    tokens,
    cursors,
    loginThrottle,
    log,
    liveness,
    auditKey: config.auditKey,
    appendAudit: opts.appendAudit ?? metered(metrics),
    auditLog,
    appsRequireTrustedDocuments: config.trustedDocuments,
    requestRules: rules,
    trustedDocumentsChanged: (accountId, registered) => {
      documents.changed(accountId);
      if (registered) prepared.prepare(registered, true);
    },
    appQuotas: config.appQuotas,
    appQuotaChanged: (accountId) => quotas.changed(accountId),
    changes: (ctx, args) => streams.stream(ctx, args),
  };
  const context = async (authorization?: string | null, requestId: string = randomUUID(), clientAddress?: string) =>
    createContext(contextDeps, await bearerFrom(tokens, authorization), requestId, clientAddress);

  const http = graphqlHttp({ apollo, tokens, liveness, contextDeps, lanes, metrics, clientAddressOf: clientAddressOf(config.trustProxy), documents, quotas });
  const route = routes({
    orm,
    config,
    metrics,
    http,
    downloads: exportLists(schema, RESOURCES),
    uploads: importLists(IMPORTERS.map((i) => i.kind)),
    demoPassword: opts.demoPassword ?? null,
    auditLog,
    // Declared below, with the WebSocket transport it shares its rules with.
    stream: (req, res) => subscriptions.stream(req, res),
  });
  const subscriptions = subscriptionTransports({
    schema,
    rules,
    streams,
    corsOrigins: config.corsOrigins,
    perAccount: config.subscriptionsPerAccount,
    log,
    contextFor: (authorization, requestId, clientAddress) => context(authorization, requestId, clientAddress),
    verify: async (authorization) => (await bearerFrom(tokens, authorization)).session,
    // An app's subscriptions follow its trusted documents as its queries do; an empty `query` goes with a `documentId`.
    documentOf: async (session, payload) => {
      const documentId = payload.documentId ?? payload.extensions?.documentId;
      const query = payload.query === '' && documentId !== undefined ? undefined : payload.query;
      const resolved = await documents.resolve(session, 'POST', { query, documentId, variables: payload.variables }, SUBSCRIBE_URL);
      if ('refused' in resolved) return resolved;
      const text = (resolved.body as { query?: unknown }).query;
      return typeof text === 'string'
        ? { query: text }
        : { refused: { code: ErrorCode.BAD_REQUEST, message: 'Send the subscription as `query` (or a registered `documentId`).' } };
    },
    sessionScopes: async (sessions) => {
      const rows = await orm.em
        .getConnection()
        // One JSON parameter: the driver would spread an array into a list.
        .execute<{ id: string; key: string | null }[]>(
          'select s.id, sinergi_session_scope(s.id, s.secret) as key from jsonb_to_recordset(?::jsonb) as s (id uuid, secret text)',
          [JSON.stringify(sessions.map((s) => ({ id: s.sessionId, secret: s.secret })))],
        );
      return new Map(rows.filter((r) => r.key !== null).map((r) => [r.id, r.key as string]));
    },
  });
  const logAccess = accessLog(log);
  const cors = corsFor(config.corsOrigins, send);

  return {
    apollo,
    schema,
    tokens,
    metrics,
    auditLog,
    documentStore: prepared,
    changeStreams: streams,
    context,
    handle: (req, res) => {
      logAccess(req, res);
      if (cors(req, res)) return;
      activeSpan()?.setAttribute('sinergi.request_id', requestIdOf(req));
      route(req, res).catch((err) => {
        // pino-http's logger for the request: the same line, with its request id.
        ((req as IncomingMessage & { log?: Logger }).log ?? log).error({ err }, 'request failed');
        if (!res.headersSent) sendError(res, 500, 'Internal server error.', 'INTERNAL_SERVER_ERROR');
        else res.end();
      });
    },
    upgrade: (req, socket, head) => subscriptions.upgrade(req, socket, head),
    stop: async () => {
      await subscriptions.close();
      await feed.stop();
      await apollo.stop();
      await auditLog.stop();
      // The seals of events already committed, before the pool closes: unsealed, they would later read as tampering.
      await Promise.race([sealsWritten(), new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
      redis?.disconnect();
    },
  };
}
