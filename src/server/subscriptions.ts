/**
 * Subscriptions over WebSocket (issue 33): the `graphql-transport-ws` protocol of The Guild's graphql-ws, on
 * the GraphQL path, as Apollo Client, urql and GraphiQL speak it.
 *
 * - **Who.** The token travels in `connection_init` (`{ "authorization": "Bearer …" }`); a connection without a
 *   live session is closed (4403). Each batch of changes opens a context of its own from that token, so the
 *   database checks the session again every time (change-stream.ts); a watch asks the database every second
 *   whether the sessions of this process's connections are still live, and closes the ones that ended
 *   (logout, deactivation, revocation at any process) with 4401.
 * - **Where from.** A browser's page can open a socket to any site with the user's ambient credentials; we
 *   use none, but an origin outside CORS_ORIGINS (other than the server's own, for GraphiQL) is still
 *   refused at the upgrade (403), as the CORS rules refuse it over HTTP.
 * - **What.** Only subscriptions: queries and mutations go over HTTP, where their transaction, limits and
 *   audit are. A document is refused for the same size, depth, alias and cost limits as over HTTP.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomUUID } from 'node:crypto';
import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type ExecutionResult,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { ChangeEvent, Context } from '../context';
import { AppError, ErrorCode, formatError } from '../shared/errors';
import { assertComplexity, assertDocumentSize, REQUEST_LIMITS } from '../shared/query-limits';
import type { ChangeStreams } from './change-stream';

/** How often the sessions of open connections are asked about. */
const SESSION_WATCH_MS = 1_000;

export interface SubscriptionDeps {
  schema: GraphQLSchema;
  rules: readonly ValidationRule[];
  streams: ChangeStreams;
  corsOrigins: readonly string[];
  log: Logger;
  /** A context for a token, not begun: its `currentSession()` is the token's, unchecked. */
  contextFor(authorization: string, requestId: string, clientAddress: string): Promise<Context>;
  /** Whether a session is live now (the database's answer, not a cached one). */
  sessionsEnded(sessions: readonly { sessionId: string; secret: string }[]): Promise<ReadonlySet<string>>;
}

interface Connection {
  authorization: string;
  sessionId: string;
  secret: string;
  clientAddress: string;
  aborts: AbortController;
  socket: WebSocket;
}

/** Where an unexpected error is told (the process's logger, once the server runs). */
let logInternal: (e: unknown) => void = () => undefined;

/** An error as a client sees it: a stable code, no stack, nothing internal (which is logged). */
function shown(error: unknown): GraphQLError {
  const e = error instanceof GraphQLError ? error : new GraphQLError('Internal server error.', { originalError: error as Error });
  const json = e.toJSON();
  const code = json.extensions?.code ?? (e.originalError ? ErrorCode.INTERNAL_SERVER_ERROR : 'GRAPHQL_VALIDATION_FAILED');
  const f = formatError({ ...json, extensions: { ...json.extensions, code } }, e, logInternal);
  return new GraphQLError(f.message, { extensions: f.extensions });
}

/** The result with each error as a client may see it. */
const withShownErrors = (result: ExecutionResult): ExecutionResult => (result.errors ? { ...result, errors: result.errors.map(shown) } : result);

/** Each change executed in the transaction of the batch that read it (see change-stream.ts). */
async function* executeEach(source: AsyncIterable<ChangeEvent>, args: ExecutionArgs): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<ChangeEvent>;
      try {
        next = await iterator.next();
      } catch (e) {
        // The stream's own end (a session that ended, a database that went away): said once, then complete.
        yield { errors: [shown(e)] };
        return;
      }
      if (next.done) return;
      yield withShownErrors(await execute({ ...args, rootValue: next.value, contextValue: next.value.context }));
    }
  } finally {
    await iterator.return?.();
  }
}

export function webSocketSubscriptions(deps: SubscriptionDeps) {
  const { schema, rules, streams, log } = deps;
  logInternal = (err) => log.error({ err }, 'unexpected error in a subscription');
  const origins = new Set(deps.corsOrigins);
  const connections = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: REQUEST_LIMITS.authenticated.bodyBytes });

  const disposable = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema,
      connectionInitWaitTimeout: 10_000,
      async onConnect(ctx) {
        const params = ctx.connectionParams ?? {};
        const raw = params.authorization ?? params.Authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined);
        if (typeof raw !== 'string') return false;
        const clientAddress = ctx.extra.request.socket.remoteAddress ?? 'unknown';
        const probe = await deps.contextFor(raw, randomUUID(), clientAddress);
        const session = probe.currentSession();
        if (!session) return false;
        const ended = await deps.sessionsEnded([session]);
        if (ended.has(session.sessionId)) return false;
        connections.set(ctx.extra.socket, {
          authorization: raw,
          sessionId: session.sessionId,
          secret: session.secret,
          clientAddress,
          aborts: new AbortController(),
          socket: ctx.extra.socket,
        });
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return [new AppError(ErrorCode.UNAUTHENTICATED, 'Send a live token in connection_init.')];
        let document: DocumentNode;
        try {
          assertDocumentSize(payload.query, false);
          document = parse(payload.query);
        } catch (e) {
          return [shown(e instanceof GraphQLError && !(e instanceof AppError) ? new AppError(ErrorCode.BAD_REQUEST, e.message) : e)];
        }
        const invalid = validate(schema, document, rules);
        if (invalid.length) return invalid.map(shown);
        const operation = getOperationAST(document, payload.operationName);
        if (!operation) return [new AppError(ErrorCode.OPERATION_RESOLUTION_FAILURE, 'Name the one operation to run (`operationName`).')];
        if (operation.operation !== 'subscription')
          return [new AppError(ErrorCode.BAD_REQUEST, 'Only subscriptions run over this socket: send queries and mutations over HTTP (POST /graphql).')];
        try {
          assertComplexity(schema, document, payload.variables ?? {}, payload.operationName ?? undefined);
        } catch (e) {
          return [shown(e)];
        }
        const contextValue = await deps.contextFor(connection.authorization, randomUUID(), connection.clientAddress);
        streams.subscribers.set(contextValue, {
          open: () => deps.contextFor(connection.authorization, randomUUID(), connection.clientAddress),
          signal: connection.aborts.signal,
        });
        return { schema, document, variableValues: payload.variables ?? {}, operationName: payload.operationName ?? undefined, contextValue };
      },
      async subscribe(args) {
        const source = await createSourceEventStream(args);
        if (!(Symbol.asyncIterator in source)) return withShownErrors(source as ExecutionResult);
        return executeEach(source as AsyncIterable<ChangeEvent>, args);
      },
      onClose(ctx) {
        connections.get(ctx.extra.socket)?.aborts.abort();
        connections.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  // Sessions that end close their connections within about a second, whichever process ended them.
  const watch = setInterval(() => {
    if (!connections.size) return;
    const open = [...connections.values()];
    deps
      .sessionsEnded(open.map((c) => ({ sessionId: c.sessionId, secret: c.secret })))
      .then((ended) => {
        for (const c of open) if (ended.has(c.sessionId)) c.socket.close(4401, 'Session ended: log in again.');
      })
      .catch((err) => log.warn({ err }, 'subscriptions: could not check sessions'));
  }, SESSION_WATCH_MS);
  watch.unref();

  const allowedOrigin = (req: IncomingMessage) => {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser
    if (origins.has(origin)) return true;
    try {
      return new URL(origin).host === req.headers.host;
    } catch {
      return false;
    }
  };

  return {
    /** The HTTP server's `upgrade` event: a WebSocket on the GraphQL path, from an allowed origin. */
    upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
      const path = (req.url ?? '').split('?')[0];
      if (path !== '/graphql') {
        socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      if (!allowedOrigin(req)) {
        socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    },
    async close(): Promise<void> {
      clearInterval(watch);
      for (const c of connections.values()) c.aborts.abort();
      await disposable.dispose();
    },
  };
}
