/**
 * GraphQL over HTTP: how a request becomes an operation. Before the body is
 * read, who asks (a token whose session is live, or nobody) sets the limits
 * the body and the document must keep; each operation then runs in a turn of
 * the operation gate, with a context built for its caller; the answer is
 * compressed as the client accepts, traced and measured. CSV downloads and
 * uploads run their operations the same way (`operationsOf`), holding one
 * heavy turn for as long as they last (`heavyTransfer`).
 */
import { HeaderMap, type ApolloServer } from '@apollo/server';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SessionClaims, TokenService } from '../access/tokens';
import type { SessionLiveness } from '../access/session-liveness';
import type { Context, LaneState } from '../context';
import { AppError, ErrorCode, RETRY_AFTER_SECONDS } from '../shared/errors';
import { assertDocumentSize, REQUEST_LIMITS } from '../shared/query-limits';
import { bearerFrom, createContext, type Bearer, type ContextDeps } from './request-context';
import { BodyRefused, readBody } from './request-body';
import { acceptedEncoding, compress, MIN_COMPRESSED_BYTES } from './compression';
import { noteAccess, requestIdOf } from './access-log';
import { BUSY, send, sendError } from './http';
import type { Lanes } from './lanes';
import type { Metrics } from './metrics';
import { inSpan } from './tracing';
import { heavyKeyOf, type HeavyTurn } from './heavy-gate';
import type { TrustedDocuments } from './trusted-documents';
import { idempotencyKeyOf } from './idempotency';
import { overQuota, rateLimitHeaders, type AppQuotas } from './app-quotas';
import type { GraphQLPage, RunOperation } from './export-csv';

export interface GraphQLHttpDeps {
  apollo: ApolloServer<Context>;
  tokens: TokenService;
  liveness: SessionLiveness;
  contextDeps: ContextDeps;
  lanes: Lanes;
  metrics: Metrics;
  clientAddressOf: (req: IncomingMessage) => string;
  /** Client apps' trusted documents (trusted-documents.ts). */
  documents: TrustedDocuments;
  /** Client apps' quotas (app-quotas.ts). */
  quotas: AppQuotas;
}

export type GraphQLHttp = ReturnType<typeof graphqlHttp>;

const JSON_POST = new HeaderMap([['content-type', 'application/json']]);

export function graphqlHttp({ apollo, tokens, liveness, contextDeps, lanes, metrics, clientAddressOf, documents, quotas }: GraphQLHttpDeps) {
  const { operations, heavy } = lanes;

  /** A context created inside its operation's turn of the gate: a heavy operation waits outside that turn. */
  const contextIn = (req: IncomingMessage, bearer: Bearer, requestId: string, lane: Partial<LaneState>): Context => {
    const ctx = createContext(contextDeps, bearer, requestId, clientAddressOf(req));
    const key = idempotencyKeyOf(req);
    Object.assign(
      ctx.lane,
      { yieldTurn: <T>(wait: () => Promise<T>) => operations.outside(wait) },
      lane,
      typeof key === 'string' ? { idempotencyKey: key } : {},
    );
    return ctx;
  };

  /** Whether a token's session is live: its signature alone does not give a signed-in caller's room. */
  async function signedIn(session: SessionClaims | null): Promise<boolean> {
    if (!session) return false;
    // A span of its own: its statement (once per session every few seconds) belongs to no operation.
    return inSpan('sinergi.session_check', () => liveness.live(session).catch(() => false));
  }

  /** The body of a GraphQL request, read within the caller's limits: undefined when it answered a refusal itself. */
  async function bodyOf(req: IncomingMessage, res: ServerResponse, anonymous: boolean): Promise<{ body: unknown } | undefined> {
    if (req.method !== 'POST') return { body: undefined };
    const limits = anonymous ? REQUEST_LIMITS.anonymous : REQUEST_LIMITS.authenticated;
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
      sendError(res, e.status, e.message, 'BAD_REQUEST');
      return undefined;
    }
    try {
      return { body: text ? JSON.parse(text) : undefined };
    } catch {
      sendError(res, 400, 'Body is not valid JSON.', 'BAD_REQUEST');
      return undefined;
    }
  }

  /**
   * A persisted query's text is stored (in Redis, for every process) only for a signed-in caller: an
   * anonymous one may use a stored hash, and its query with a hash runs, but is not kept.
   */
  function withoutPersisting(body: unknown, url: URL): string {
    const sent = body as { query?: unknown; extensions?: { persistedQuery?: unknown } } | undefined;
    if (sent?.query !== undefined && sent.extensions?.persistedQuery) delete sent.extensions.persistedQuery;
    if (!url.searchParams.has('query') || !url.searchParams.has('extensions')) return url.search;
    const params = new URLSearchParams(url.searchParams);
    params.delete('extensions');
    return `?${params}`;
  }

  /** POST or GET /graphql. */
  async function graphql(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const headers = new HeaderMap();
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(', ') : v);
    // Limits before parsing depend on who asks: a valid token (signature and expiry; cheap) or nobody.
    // Verified once: the same claims build the request's context below.
    const bearer = await bearerFrom(tokens, req.headers.authorization);
    const anonymous = !(await signedIn(bearer.session));
    const key = idempotencyKeyOf(req);
    if (key instanceof AppError) return sendError(res, 400, key.message, ErrorCode.BAD_REQUEST, { connection: 'close' });
    // A client app's request counts against its quota, refused before its body is read once the quota is spent.
    const app = !anonymous && bearer.session?.app ? bearer.session.accountId : undefined;
    const taken = app ? await quotas.takeRequest(app) : null;
    if (taken?.over) {
      const refusal = overQuota(taken.state.requestsLeft === 0 ? 'requests' : 'cost units', taken.state.resetSeconds);
      res.setHeader('connection', 'close');
      return sendError(res, 429, refusal.message, ErrorCode.TOO_MANY_REQUESTS, {
        'retry-after': String(taken.state.resetSeconds),
        ...rateLimitHeaders(taken.state),
      });
    }
    const read = await bodyOf(req, res, anonymous);
    if (!read) return;
    // A client app's `documentId` becomes its registered text; a text is refused where the app runs trusted documents only.
    const resolved = await documents.resolve(anonymous ? null : bearer.session, req.method ?? 'GET', read.body, url);
    if ('refused' in resolved) return sendError(res, 400, resolved.refused.message, resolved.refused.code, { 'cache-control': 'no-store' });
    const { body } = resolved;
    try {
      assertDocumentSize(req.method === 'POST' ? (body as { query?: unknown } | undefined)?.query : url.searchParams.get('query'), anonymous);
    } catch (e) {
      return sendError(res, 400, (e as AppError).message, 'BAD_REQUEST');
    }
    const search = anonymous ? withoutPersisting(body, url) : resolved.search;
    const requestId = requestIdOf(req);
    const started = performance.now();
    let ctx: Context | undefined;
    // With tracing on, the operation's span: graphql-jit runs it, so graphql's own `execute` span never comes.
    const result = await inSpan('graphql.operation', async (span) => {
      const answer = await operations.run(
        () =>
          apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest: { method: req.method ?? 'GET', headers, search, body },
            context: async () =>
              (ctx = contextIn(req, bearer, requestId, { liveCaller: !anonymous, ...(taken ? { appAccount: app, quota: taken.state } : {}) })),
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
    if (!result) return sendError(res, 503, BUSY, ErrorCode.SERVICE_UNAVAILABLE, { 'retry-after': String(RETRY_AFTER_SECONDS), 'x-request-id': requestId });
    if (ctx) noteAccess(req, ctx.access);
    const out: Record<string, string> = { 'x-request-id': requestId };
    const quota = ctx?.lane.quota ?? taken?.state;
    if (quota) Object.assign(out, rateLimitHeaders(quota));
    for (const [k, v] of result.headers) out[k] = v;
    if (result.body.kind === 'complete') {
      // Over 1 KB, compressed as the client accepts (a 1,000-row page shrinks about tenfold).
      const encoding = result.body.string.length > MIN_COMPRESSED_BYTES ? acceptedEncoding(req.headers['accept-encoding']) : null;
      const answer = encoding ? await compress(result.body.string, encoding) : result.body.string;
      if (encoding) out['content-encoding'] = encoding;
      // In the head written below, beside CORS's `origin` if set: no second setHeader on every answer.
      const vary = res.getHeader('vary');
      out.vary = vary ? `${String(vary)}, accept-encoding` : 'accept-encoding';
      res.writeHead(result.status ?? 200, out);
      res.end(answer);
    } else {
      res.writeHead(result.status ?? 200, out);
      for await (const chunk of result.body.asyncIterator) res.write(chunk);
      res.end();
    }
    const access = ctx?.access;
    metrics.observeRequest(access?.operationName ?? null, access?.operationType ?? null, (performance.now() - started) / 1000, access?.errorCodes ?? []);
  }

  /**
   * Runs operations as the caller of `req` (its token, its address), each in a turn of the operation gate: CSV
   * downloads and uploads, which hold one heavy turn for all their operations (`heavyHeld`).
   */
  async function operationsOf(req: IncomingMessage, heavyHeld = false, anonymous = false): Promise<RunOperation> {
    const bearer: Bearer = anonymous ? { session: null, problem: 'MISSING_TOKEN' } : await bearerFrom(tokens, req.headers.authorization);
    return async (body) => {
      let ctx: Context | undefined;
      const answer = await operations.run(
        () =>
          apollo.executeHTTPGraphQLRequest({
            httpGraphQLRequest: { method: 'POST', headers: JSON_POST, search: '', body },
            context: async () => (ctx = contextIn(req, bearer, requestIdOf(req), { heavyHeld })),
          }),
        () => null,
      );
      if (ctx) noteAccess(req, ctx.access);
      if (!answer || answer.body.kind !== 'complete') return null;
      const page = JSON.parse(answer.body.string) as GraphQLPage;
      return answer.headers.get('idempotent-replayed') ? { ...page, replayed: true } : page;
    };
  }

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
      res.setHeader('connection', 'close');
      return sendError(res, 429, e.message, ErrorCode.TOO_MANY_REQUESTS, { 'retry-after': String(e.extensions.retryAfter ?? RETRY_AFTER_SECONDS) });
    }
    try {
      await transfer(await operationsOf(req, true));
    } finally {
      turn.release();
    }
  }

  /** Whether the caller of `req` is signed in with a live session (uploads need one). */
  const callerSignedIn = async (req: IncomingMessage) => signedIn((await bearerFrom(tokens, req.headers.authorization)).session);

  return {
    graphql,
    heavyTransfer,
    callerSignedIn,
    /**
     * Runs operations as nobody from the address of `req`, whatever its `Authorization` says: the token endpoint,
     * whose `Authorization` carries client credentials (HTTP Basic), not a bearer token.
     */
    anonymousOperationsOf: (req: IncomingMessage): Promise<RunOperation> => operationsOf(req, false, true),
  };
}
