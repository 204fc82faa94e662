/**
 * Builds the application from its named parts: the schema with its shield
 * (graphql/schema.ts), one transaction per operation (transactions.ts), the
 * turns operations take (lanes.ts), CORS (cors.ts), CSV downloads and uploads
 * (export-csv.ts, import-csv.ts), GraphiQL, the access log and metrics; here
 * Apollo Server and the HTTP handler that routes to them. No listen() here,
 * so tests build the same app and call it in-process.
 */
import { ApolloServer, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import Redis from 'ioredis';
import { TokenService, type SessionClaims } from '../access/tokens';
import { appendEvent, sealsWritten } from '../modules/audit/audit.chain';
import type { AuditAppender } from '../data/audit-event';
import { LoginThrottle } from '../access/login-throttle';
import type { Config } from '../config';
import type { Context, LaneState } from '../context';
import { bearerFrom, createContext } from './request-context';
import { graphiqlAsset, graphiqlPage } from './graphiql';
import { buildAppSchema, printSchemaFile } from '../graphql/schema';
import { CursorSeal } from '../shared/cursor-seal';
import { jitGateway } from '../graphql/jit-executor';
import { RedisKeyValueCache } from './redis-cache';
import { acceptedEncoding, compress, MIN_COMPRESSED_BYTES } from './compression';
import { ReplicaRouter } from '../db/replicas';
import { preparing } from '../db/prepared';
import { formatError, withoutSuggestions } from '../shared/errors';
import { operationLanes } from './lanes';
import { transactionPlugin } from './transactions';
import { corsFor, varyOn } from './cors';
import { accessLog, noteAccess, requestIdOf } from './access-log';
import { exportCsv, exportLists, type GraphQLPage, type RunOperation } from './export-csv';
import { importCsvUpload, importLists } from './import-csv';
import { IMPORTERS, RESOURCES } from '../modules';
import { hasMetricsToken, knownOperationNames, Metrics, type PoolStats } from './metrics';
import { activeSpan, inSpan } from './tracing';
import { armor, assertDocumentSize, REQUEST_LIMITS } from '../shared/query-limits';
import { BodyRefused, readBody } from './request-body';
import { heavyKeyOf, type HeavyTurn } from './heavy-gate';
import { SessionLiveness } from '../access/session-liveness';
import { AppError, ErrorCode, RETRY_AFTER_SECONDS } from '../shared/errors';

export interface App {
  apollo: ApolloServer<Context>;
  /** The served schema (shield and middlewares applied), as Apollo and the compiled executor have it. */
  schema: GraphQLSchema;
  tokens: TokenService;
  /** Prometheus metrics of this process (served by server.ts on METRICS_PORT, or here with METRICS_TOKEN). */
  metrics: Metrics;
  /** Builds a request context for a viewer (tests call operations through it). */
  context(authorization?: string | null, requestId?: string, clientAddress?: string): Promise<Context>;
  handle(req: IncomingMessage, res: ServerResponse): void;
  stop(): Promise<void>;
}

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
  const gates = operationLanes(config);
  const transactions = transactionPlugin({ config, lanes: gates, replicas, log, errorLoggers });

  const limits = armor();
  const apollo = new ApolloServer<Context>({
    // Executed by graphql-jit (see jit-executor.ts); parsing, validation, plugins and errors stay Apollo's.
    gateway: jitGateway(schema),
    formatError: (formatted, error) => {
      const out = formatError(formatted, error, (e) =>
        ((typeof e === 'object' && e !== null ? errorLoggers.get(e) : undefined) ?? log).error({ err: e }, 'unexpected error in a resolver'),
      );
      // Where the schema is not published, its names are not handed out as hints either.
      return config.introspection ? out : { ...out, message: withoutSuggestions(out.message) };
    },
    includeStacktraceInErrorResponses: false,
    // Compact JSON: Apollo's default indents every response, which costs time on long lists and bytes on the wire.
    stringifyResult: (value) => JSON.stringify(value),
    // Off in production unless GRAPHQL_INTROSPECTION=true: the schema is in the repository for those who need it.
    introspection: config.introspection,
    validationRules: limits.validationRules,
    // Automatic persisted queries: shared by every process through Redis when there is one (an entry lives a
    // day), else each process keeps its own (Apollo's bounded in-memory cache).
    persistedQueries: redis ? { cache: new RedisKeyValueCache(redis, `${config.redisPrefix}:apq:`, 86_400), ttl: 86_400 } : undefined,
    // server.ts owns shutdown (HTTP, Apollo, database, embedded PostgreSQL, in that order).
    stopOnTerminationSignals: false,
    // No cache hints are used: the cache-control plugin would only add a hook to every field of every row.
    plugins: [ApolloServerPluginLandingPageDisabled(), ApolloServerPluginCacheControlDisabled(), transactions, ...limits.plugins],
  });
  await apollo.start();

  // A signed-in caller's room before its request is read needs a live session, not only a valid signature.
  const liveness = new SessionLiveness(async (sessionId, secret) => {
    const [row] = await orm.em.getConnection().execute<{ live: boolean }[]>('select sinergi_session_live(?, ?) as live', [sessionId, secret]);
    return row?.live === true;
  });
  const contextDeps = {
    orm,
    replicas,
    tokens,
    cursors,
    loginThrottle,
    log,
    liveness,
    auditKey: config.auditKey,
    appendAudit: opts.appendAudit ?? metered(metrics),
  };
  const context = async (authorization?: string | null, requestId: string = randomUUID(), clientAddress?: string) =>
    createContext(contextDeps, await bearerFrom(tokens, authorization), requestId, clientAddress);

  /** The client's address: the socket's, or the one TRUST_PROXY proxies in front of us saw (X-Forwarded-For, counted from the right). */
  const clientAddressOf = (req: IncomingMessage): string => {
    const socket = req.socket.remoteAddress ?? 'unknown';
    if (config.trustProxy === 0) return socket;
    const hops = String(req.headers['x-forwarded-for'] ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    return hops[hops.length - config.trustProxy] ?? hops[0] ?? socket;
  };

  const logAccess = accessLog(log);
  const { operations, heavy } = gates;
  /** A context created inside its operation's turn of the gate: a heavy operation waits outside that turn. */
  const inGate = (ctx: Context, lane: Partial<LaneState> = {}): Context => {
    Object.assign(ctx.lane, { yieldTurn: <T>(wait: () => Promise<T>) => operations.outside(wait) }, lane);
    return ctx;
  };
  /**
   * A CSV download or upload: one heavy turn for all its operations, as long as it lasts. Refused with 429 and
   * Retry-After, before anything is read, when the caller or the process has no turn to give.
   */
  async function heavyTransfer(req: IncomingMessage, res: ServerResponse, transfer: (run: RunOperation) => Promise<void>): Promise<void> {
    const { session } = await bearerFrom(tokens, req.headers.authorization);
    let turn: HeavyTurn;
    try {
      turn = await heavy.acquire(heavyKeyOf(session, clientAddressOf(req)));
    } catch (e) {
      if (!(e instanceof AppError)) throw e;
      const retryAfter = String(e.extensions.retryAfter ?? RETRY_AFTER_SECONDS);
      res.setHeader('connection', 'close');
      return send(res, 429, 'application/json', JSON.stringify({ errors: [{ message: e.message, extensions: { code: ErrorCode.TOO_MANY_REQUESTS } }] }), {
        'retry-after': retryAfter,
      });
    }
    try {
      await transfer(await operationsOf(req, true));
    } finally {
      turn.release();
    }
  }
  const BUSY = `The server is busy; try again in ${RETRY_AFTER_SECONDS} seconds.`;

  const send = (res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': type, 'x-content-type-options': 'nosniff', ...extra });
    res.end(body);
  };

  const refuse = (res: ServerResponse, status: number, message: string) =>
    send(res, status, 'application/json', JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }));

  /** Whether a token's session is live: its signature alone does not give a signed-in caller's room. */
  async function signedIn(session: SessionClaims | null): Promise<boolean> {
    if (!session) return false;
    // A span of its own: its statement (once per session every few seconds) belongs to no operation.
    return inSpan('sinergi.session_check', () => liveness.live(session).catch(() => false));
  }

  async function graphql(req: IncomingMessage, res: ServerResponse, url: URL) {
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    // Limits before parsing depend on who asks: a valid token (signature and expiry; cheap) or nobody.
    // Verified once: the same claims build the request's context below.
    const bearer = await bearerFrom(tokens, req.headers.authorization);
    const { session } = bearer;
    const anonymous = !(await signedIn(session));
    const limits = anonymous ? REQUEST_LIMITS.anonymous : REQUEST_LIMITS.authenticated;
    let body: unknown;
    if (req.method === 'POST') {
      let text: string;
      try {
        text = await readBody(
          req,
          { bytes: limits.bodyBytes, depth: limits.jsonDepth, containers: limits.jsonContainers },
          true,
          `Request body too large: at most ${limits.bodyBytes} bytes${anonymous ? ' before logging in' : ''}.`,
        );
      } catch (e) {
        if (!(e instanceof BodyRefused)) throw e;
        // The rest of the body is not read: the connection closes with the answer.
        res.setHeader('connection', 'close');
        return refuse(res, e.status, e.message);
      }
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return send(res, 400, 'application/json', JSON.stringify({ errors: [{ message: 'Body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] }));
      }
    }
    try {
      const query = req.method === 'POST' ? (body as { query?: unknown } | undefined)?.query : url.searchParams.get('query');
      assertDocumentSize(query, anonymous);
    } catch (e) {
      return refuse(res, 400, (e as AppError).message);
    }
    // A persisted query's text is stored (in Redis, for every process) only for a signed-in caller: an anonymous
    // one may use a stored hash, and its query with a hash runs, but is not kept.
    let search = url.search;
    if (anonymous) {
      const sent = body as { query?: unknown; extensions?: { persistedQuery?: unknown } } | undefined;
      if (sent?.query !== undefined && sent.extensions?.persistedQuery) delete sent.extensions.persistedQuery;
      if (url.searchParams.has('query') && url.searchParams.has('extensions')) {
        const params = new URLSearchParams(url.searchParams);
        params.delete('extensions');
        search = `?${params}`;
      }
    }
    const requestId = requestIdOf(req);
    const started = performance.now();
    let ctx: Context | undefined;
    // With tracing on, the operation's span: graphql-jit runs it, so graphql's own `execute` span never comes.
    const result = await inSpan('graphql.operation', async (span) => {
      const answer = await operations.run(
        () =>
          apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
            context: async () => (ctx = inGate(createContext(contextDeps, bearer, requestId, clientAddressOf(req)), { liveCaller: !anonymous })),
          }),
        () => null,
      );
      if (span && ctx) {
        const { operationName, operationType, database, errorCodes } = ctx.access;
        span.setAttributes({
          'sinergi.request_id': requestId,
          'graphql.operation.name': operationName ?? '',
          'graphql.operation.type': operationType ?? '',
          'sinergi.database': database ?? '',
          'sinergi.error_codes': errorCodes,
        });
      }
      return answer;
    });
    if (!result)
      return send(res, 503, 'application/json', JSON.stringify({ errors: [{ message: BUSY, extensions: { code: ErrorCode.SERVICE_UNAVAILABLE } }] }), {
        'retry-after': String(RETRY_AFTER_SECONDS),
        'x-request-id': requestId,
      });
    if (ctx) noteAccess(req, ctx.access);
    const out: Record<string, string> = { 'x-request-id': requestId };
    for (const [k, v] of result.headers) out[k] = v;
    if (result.body.kind === 'complete') {
      // Over 1 KB, compressed as the client accepts (a 1,000-row page shrinks about tenfold).
      const encoding = result.body.string.length > MIN_COMPRESSED_BYTES ? acceptedEncoding(req.headers['accept-encoding']) : null;
      const body = encoding ? await compress(result.body.string, encoding) : result.body.string;
      if (encoding) out['content-encoding'] = encoding;
      // In the head written below, beside CORS's `origin` if set: no second setHeader on every answer.
      const vary = res.getHeader('vary');
      out.vary = vary ? `${String(vary)}, accept-encoding` : 'accept-encoding';
      res.writeHead(result.status ?? 200, out);
      res.end(body);
    } else {
      res.writeHead(result.status ?? 200, out);
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
    const access = ctx?.access;
    metrics.observeRequest(access?.operationName ?? null, access?.operationType ?? null, (performance.now() - started) / 1000, access?.errorCodes ?? []);
  }

  const cors = corsFor(config.corsOrigins, send);

  const downloads = exportLists(schema, RESOURCES);
  const uploads = importLists(IMPORTERS.map((i) => i.kind));
  const JSON_POST = new HeaderMap([['content-type', 'application/json']]);
  /**
   * Runs operations as the caller of `req` (its token, its address), each in a turn of the operation gate: CSV
   * downloads and uploads, which hold one heavy turn for all their operations (`heavyHeld`).
   */
  async function operationsOf(req: IncomingMessage, heavyHeld = false): Promise<RunOperation> {
    const bearer = await bearerFrom(tokens, req.headers.authorization);
    return async (body) => {
      let ctx: Context | undefined;
      const answer = await operations.run(
        () =>
          apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest: { method: 'POST', headers: JSON_POST, search: '', body },
            context: async () => (ctx = inGate(createContext(contextDeps, bearer, requestIdOf(req), clientAddressOf(req)), { heavyHeld })),
          }),
        () => null,
      );
      if (ctx) noteAccess(req, ctx.access);
      return answer && answer.body.kind === 'complete' ? (JSON.parse(answer.body.string) as GraphQLPage) : null;
    };
  }

  let sdl: Promise<string> | undefined;
  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/healthz') return send(res, 200, 'application/json', '{"status":"ok"}');
    if (url.pathname === '/readyz') {
      try {
        await orm.em.getConnection().execute('select 1');
        return send(res, 200, 'application/json', '{"status":"ready"}');
      } catch {
        return send(res, 503, 'application/json', '{"status":"database unavailable"}', { 'retry-after': String(RETRY_AFTER_SECONDS) });
      }
    }
    // The public port serves metrics only to the holder of METRICS_TOKEN; to anyone else the path does not exist.
    if (url.pathname === '/metrics' && config.metricsToken && hasMetricsToken(req, config.metricsToken)) {
      const { type, body } = await metrics.scrape();
      return send(res, 200, type, body, { 'cache-control': 'no-store' });
    }
    const assetFile = req.method === 'GET' ? await graphiqlAsset(url.pathname, acceptedEncoding(req.headers['accept-encoding'])) : undefined;
    if (assetFile) {
      varyOn(res, 'accept-encoding');
      return send(res, 200, assetFile.type, assetFile.body, {
        'cache-control': 'public, max-age=86400',
        ...(assetFile.encoding ? { 'content-encoding': assetFile.encoding } : {}),
      });
    }
    if (url.pathname === '/favicon.ico') return send(res, 204, 'image/x-icon', '');
    if (url.pathname === '/' && req.method === 'GET') return send(res, 302, 'text/plain', 'see /graphql', { location: '/graphql' });
    // The contract as SDL, exactly schema/schema.graphql, to whoever may introspect.
    if (url.pathname === '/graphql/schema.graphql' && req.method === 'GET') {
      if (!config.introspection) return send(res, 404, 'application/json', '{"error":"the schema is not served here (GRAPHQL_INTROSPECTION is off)"}');
      sdl ??= printSchemaFile();
      return send(res, 200, 'text/plain; charset=utf-8', await sdl, { 'cache-control': 'no-cache' });
    }
    if (url.pathname.startsWith('/import/')) {
      const { session } = await bearerFrom(tokens, req.headers.authorization);
      const live = await signedIn(session);
      return heavyTransfer(req, res, (run) => importCsvUpload(req, res, url, uploads, live, run, requestIdOf(req)));
    }
    if (url.pathname.startsWith('/export/')) return heavyTransfer(req, res, (run) => exportCsv(req, res, url, downloads, run, requestIdOf(req)));
    if (url.pathname === '/graphql') {
      const wantsHtml = req.method === 'GET' && !url.searchParams.has('query') && (req.headers.accept ?? '').includes('text/html');
      if (wantsHtml && config.graphiql)
        return send(res, 200, 'text/html; charset=utf-8', graphiqlPage(opts.demoPassword ?? null), {
          // No framing (clickjacking of the login bar), no base or form target elsewhere, no referrer.
          'content-security-policy':
            "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'",
          'x-frame-options': 'DENY',
          'referrer-policy': 'no-referrer',
        });
      return graphql(req, res, url);
    }
    send(res, 404, 'application/json', '{"error":"not found"}');
  }

  return {
    apollo,
    schema,
    tokens,
    metrics,
    context,
    handle: (req, res) => {
      logAccess(req, res);
      if (cors(req, res)) return;
      activeSpan()?.setAttribute('sinergi.request_id', requestIdOf(req));
      route(req, res).catch((err) => {
        // pino-http's logger for the request: the same line, with its request id.
        ((req as IncomingMessage & { log?: Logger }).log ?? log).error({ err }, 'request failed');
        if (!res.headersSent)
          send(
            res,
            500,
            'application/json',
            JSON.stringify({ errors: [{ message: 'Internal server error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }),
          );
        else res.end();
      });
    },
    stop: async () => {
      await apollo.stop();
      // The seals of events already committed, before the pool closes: unsealed, they would later read as tampering.
      await Promise.race([sealsWritten(), new Promise((resolve) => setTimeout(resolve, 20_000).unref())]);
      redis?.disconnect();
    },
  };
}
