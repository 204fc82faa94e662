/**
 * Subscriptions (issue 33), over two transports with one set of rules:
 *
 * - WebSocket, the `graphql-transport-ws` protocol of The Guild's graphql-ws, on the GraphQL path, as Apollo
 *   Client, urql and GraphiQL speak it; the token travels in `connection_init` (`{ "authorization": "Bearer …" }`).
 * - Server-Sent Events, The Guild's graphql-sse in its distinct-connections mode, at `/graphql/stream`, for
 *   networks that block WebSockets; the token travels in the `Authorization` header.
 *
 * - **Who.** A connection without a live session is refused (4403 on a socket, 401 over SSE). Each batch of changes opens a context of its own from that token, so the
 *   database checks the session again every time (change-stream.ts); a watch asks the database every second
 *   whether the sessions of this process's connections are still live, and closes the ones that ended
 *   (logout, deactivation, revocation at any process): 4401 on a socket, the end of the event stream over SSE.
 * - **Where from.** A browser's page can open a socket to any site with the user's ambient credentials; we
 *   use none, but an origin outside CORS_ORIGINS (other than the server's own, for GraphiQL) is still
 *   refused at the upgrade (403), as the CORS rules refuse it over HTTP.
 * - **What.** Only subscriptions: queries and mutations go over HTTP, where their transaction, limits and
 *   audit are. A document is refused for the same size, depth, alias and cost limits as over HTTP.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
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
import { createHandler } from 'graphql-sse/lib/use/http';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Logger } from 'pino';
import type { ChangeBatch, Context } from '../context';
import { AppError, ErrorCode, formatError } from '../shared/errors';
import { assertComplexity, assertDocumentSize } from '../shared/query-limits';
import type { ChangeStreams } from './change-stream';
import { mayWriteReadLog } from '../modules/personal-data/read-log-writes';
import type { SessionClaims } from '../access/tokens';

/** How often the sessions of open connections are asked about. */
const SESSION_WATCH_MS = 1_000;

/**
 * The limits of subscriptions. A subscription holds memory and, while a batch is sent, a database
 * connection: each caller gets a few, never an unbounded number.
 */
export const SUBSCRIPTION_LIMITS = {
  /** Subscriptions one connection (socket or event stream) may hold at once. */
  perConnection: 10,
  /** Subscriptions one account may hold at once in this process, over all its connections (SUBSCRIPTIONS_PER_ACCOUNT). */
  perAccount: 50,
  /** A socket message: a subscription document and its variables, never a bulk payload. */
  messageBytes: 128 * 1024,
  /** Bytes sent to a consumer and not yet read by it; past this it is dropped, not buffered further. */
  unreadBytes: 1024 * 1024,
  /** A socket that holds no subscription for this long is closed. */
  idleMs: 60_000,
} as const;

export interface SubscriptionDeps {
  schema: GraphQLSchema;
  rules: readonly ValidationRule[];
  streams: ChangeStreams;
  corsOrigins: readonly string[];
  /** Subscriptions one account may hold at once in this process (SUBSCRIPTION_LIMITS.perAccount unless set). */
  perAccount?: number;
  log: Logger;
  /** A context for a token, not begun: its `currentSession()` is the token's, unchecked. */
  contextFor(authorization: string, requestId: string, clientAddress: string): Promise<Context>;
  /** The claims of a token whose signature and expiry hold (its session is not checked here). */
  verify(authorization: string): Promise<SessionClaims | null>;
  /**
   * The document a subscriber runs: its text, or a client app's registered document named by `documentId`,
   * with the rules of trusted documents applied (trusted-documents.ts).
   */
  documentOf(session: SessionClaims, payload: Payload): Promise<{ query: string } | { refused: { code: ErrorCode; message: string } }>;
  /**
   * The scope key (change-stream.ts, `scopeKeyOf`) of each session that is live now, by session id: the
   * database's answer, not a cached one. A session left out has ended.
   */
  sessionScopes(sessions: readonly { sessionId: string; secret: string }[]): Promise<ReadonlyMap<string, string>>;
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

/**
 * Each change executed in the transaction of the batch that read it (see change-stream.ts); the batch commits
 * before its results are sent, so a consumer that is slow to read holds no transaction and no pool connection.
 */
async function* executeEach(source: AsyncIterable<ChangeBatch>, args: ExecutionArgs): AsyncGenerator<ExecutionResult> {
  const iterator = source[Symbol.asyncIterator]();
  try {
    for (;;) {
      let next: IteratorResult<ChangeBatch>;
      try {
        next = await iterator.next();
      } catch (e) {
        // The stream's own end (a session that ended, a database that went away): said once, then complete.
        yield { errors: [shown(e)] };
        return;
      }
      if (next.done) return;
      const batch = next.value;
      // Executed already, in a transaction shared with subscribers of the same scope.
      if ('results' in batch) {
        yield* batch.results as ExecutionResult[];
        continue;
      }
      const results: ExecutionResult[] = [];
      try {
        for (const event of batch.events) results.push(withShownErrors(await execute({ ...args, rootValue: event, contextValue: batch.context })));
      } finally {
        await batch.finish();
      }
      yield* results;
    }
  } finally {
    await iterator.return?.();
  }
}

/** How a transport ends a connection, and why. */
type Ending = 'session-ended' | 'slow-consumer' | 'idle';

/** One caller's connection, whichever the transport. */
interface Connection {
  authorization: string;
  session: SessionClaims;
  clientAddress: string;
  /** Its session's scope key, as the database last told it; null once the session ended. */
  scopeKey: string | null;
  aborts: AbortController;
  /** Subscriptions it holds now. */
  subscriptions: number;
  /** Since when it has held no subscription (null while it holds one). */
  idleSince: number | null;
  /** Ends the connection. */
  end(why: Ending): void;
  /** Bytes sent and not yet taken by the consumer. */
  unread(): number;
}

/** What a subscriber sends: a document (or a registered document's id), its variables, the operation to run. */
export interface Payload {
  query?: unknown;
  documentId?: unknown;
  extensions?: Record<string, unknown> | null;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
}

/** The rules both transports share: who may connect, what may run, how it runs, and the session watch. */
class SubscriptionHub {
  private readonly open = new Set<Connection>();
  /**
   * The database's last answer for each session (its scope key, null once ended), for SESSION_WATCH_MS: a
   * client opening many sockets with one token asks once, not once per socket — no longer than the watch
   * would take to notice an ended session anyway.
   */
  private readonly asked = new Map<string, { secret: string; at: number; key: Promise<string | null> }>();
  /** Subscriptions held per account in this process. */
  private readonly perAccount = new Map<string, number>();
  private readonly watch: NodeJS.Timeout;

  constructor(private readonly deps: SubscriptionDeps) {
    logInternal = (err) => deps.log.error({ err }, 'unexpected error in a subscription');
    // Sessions that end close their connections within about a second, whichever process ended them.
    this.watch = setInterval(() => {
      for (const [id, a] of this.asked) if (Date.now() - a.at >= SESSION_WATCH_MS) this.asked.delete(id);
      if (!this.open.size) return;
      const open = [...this.open];
      const now = Date.now();
      for (const c of open) if (c.idleSince !== null && now - c.idleSince > SUBSCRIPTION_LIMITS.idleMs) c.end('idle');
      // Each session once, however many connections share it.
      const sessions = new Map(open.map((c) => [c.session.sessionId, c.session]));
      deps
        .sessionScopes([...sessions.values()])
        .then((live) => {
          const at = Date.now();
          for (const { sessionId, secret } of sessions.values()) this.asked.set(sessionId, { secret, at, key: Promise.resolve(live.get(sessionId) ?? null) });
          for (const c of open) {
            c.scopeKey = live.get(c.session.sessionId) ?? null;
            if (c.scopeKey === null) c.end('session-ended');
          }
        })
        .catch((err) => deps.log.warn({ err }, 'subscriptions: could not check sessions'));
    }, SESSION_WATCH_MS);
    this.watch.unref();
  }

  /** The session's scope key (null: ended), asked of the database at most once per SESSION_WATCH_MS. */
  private scopeOf(session: SessionClaims): Promise<string | null> {
    const hit = this.asked.get(session.sessionId);
    if (hit && hit.secret === session.secret && Date.now() - hit.at < SESSION_WATCH_MS) return hit.key;
    const key = this.deps.sessionScopes([session]).then((live) => live.get(session.sessionId) ?? null);
    this.asked.set(session.sessionId, { secret: session.secret, at: Date.now(), key });
    key.catch(() => this.asked.delete(session.sessionId));
    return key;
  }

  /** A connection for a live session's token, or null. */
  async connect(authorization: unknown, clientAddress: string, end: (why: Ending) => void, unread: () => number): Promise<Connection | null> {
    if (typeof authorization !== 'string') return null;
    const session = await this.deps.verify(authorization);
    const scopeKey = session && (await this.scopeOf(session));
    if (!session || !scopeKey) return null;
    const connection: Connection = {
      authorization,
      session,
      clientAddress,
      scopeKey,
      aborts: new AbortController(),
      subscriptions: 0,
      idleSince: Date.now(),
      end,
      unread,
    };
    this.open.add(connection);
    return connection;
  }

  /** Takes a place for one more subscription of `connection`, or says which limit refuses it. */
  private take(connection: Connection): GraphQLError | null {
    const account = connection.session.accountId;
    const held = this.perAccount.get(account) ?? 0;
    if (connection.subscriptions >= SUBSCRIPTION_LIMITS.perConnection)
      return new AppError(ErrorCode.TOO_MANY_REQUESTS, `At most ${SUBSCRIPTION_LIMITS.perConnection} subscriptions per connection: complete one first.`);
    const perAccount = this.deps.perAccount ?? SUBSCRIPTION_LIMITS.perAccount;
    if (held >= perAccount) return new AppError(ErrorCode.TOO_MANY_REQUESTS, `At most ${perAccount} subscriptions per account at once: complete one first.`);
    connection.subscriptions++;
    connection.idleSince = null;
    this.perAccount.set(account, held + 1);
    return null;
  }

  /** Gives back the place `take` gave. */
  private release(connection: Connection): void {
    const account = connection.session.accountId;
    connection.subscriptions = Math.max(0, connection.subscriptions - 1);
    if (connection.subscriptions === 0) connection.idleSince = Date.now();
    const held = (this.perAccount.get(account) ?? 1) - 1;
    if (held > 0) this.perAccount.set(account, held);
    else this.perAccount.delete(account);
  }

  disconnect(connection: Connection | undefined): void {
    if (!connection) return;
    connection.aborts.abort();
    this.open.delete(connection);
  }

  /** The execution of `payload` for `connection`, or the errors that refuse it (the same limits as over HTTP). */
  async prepare(connection: Connection, payload: Payload): Promise<ExecutionArgs | GraphQLError[]> {
    const { schema, rules, streams } = this.deps;
    const text = await this.deps.documentOf(connection.session, payload);
    if ('refused' in text) return [new AppError(text.refused.code, text.refused.message)];
    let document: DocumentNode;
    try {
      assertDocumentSize(text.query, false);
      document = parse(text.query);
    } catch (e) {
      return [shown(e instanceof GraphQLError && !(e instanceof AppError) ? new AppError(ErrorCode.BAD_REQUEST, e.message) : e)];
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length) return invalid.map(shown);
    const operation = getOperationAST(document, payload.operationName);
    if (!operation) return [new AppError(ErrorCode.OPERATION_RESOLUTION_FAILURE, 'Name the one operation to run (`operationName`).')];
    if (operation.operation !== 'subscription')
      return [new AppError(ErrorCode.BAD_REQUEST, 'Only subscriptions run here: send queries and mutations over HTTP (POST /graphql).')];
    try {
      assertComplexity(schema, document, payload.variables ?? {}, payload.operationName ?? undefined);
    } catch (e) {
      return [shown(e)];
    }
    const refused = this.take(connection);
    if (refused) return [refused];
    const contextValue = await this.deps.contextFor(connection.authorization, randomUUID(), connection.clientAddress);
    const variableValues = payload.variables ?? {};
    const operationName = payload.operationName ?? undefined;
    streams.subscribers.set(contextValue, {
      open: () => this.deps.contextFor(connection.authorization, randomUUID(), connection.clientAddress),
      signal: connection.aborts.signal,
      // A consumer that stops reading is dropped once what it has not read passes the bound.
      congested: () => {
        if (connection.unread() <= SUBSCRIPTION_LIMITS.unreadBytes) return false;
        connection.end('slow-consumer');
        return true;
      },
      done: () => this.release(connection),
      scopeKey: () => connection.scopeKey,
      // A document that may log a personal read is read in a transaction of its own subscriber (change-stream.ts).
      shares: mayWriteReadLog(schema, document, variableValues) ? null : JSON.stringify([text.query, operationName ?? null, variableValues]),
      run: async (event, context) =>
        withShownErrors(await execute({ schema, document, variableValues, operationName, rootValue: event, contextValue: context })),
    });
    return { schema, document, variableValues, operationName, contextValue };
  }

  /** Runs a prepared subscription: its stream, each change executed in its batch's transaction. */
  async subscribe(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return withShownErrors(source as ExecutionResult);
    return executeEach(source as AsyncIterable<ChangeBatch>, args);
  }

  close(): void {
    clearInterval(this.watch);
    for (const c of this.open) c.aborts.abort();
  }
}

/** How a socket is closed, by why: graphql-ws's 44xx codes, as its clients read them. */
const SOCKET_CLOSE: Record<Ending, [number, string]> = {
  'session-ended': [4401, 'Session ended: log in again.'],
  'slow-consumer': [4429, 'Too slow: the messages not yet read passed the limit.'],
  idle: [4408, 'Idle: no subscription for a minute.'],
};

const authorizationOf = (params: Record<string, unknown>) =>
  params.authorization ?? params.Authorization ?? (typeof params.token === 'string' ? `Bearer ${params.token}` : undefined);

/**
 * Frames sent to one socket in one turn of the event loop go out in one write. graphql-ws sends each result
 * as a message of its own and waits for it to be written before the next; a batch of changes for a socket
 * holding several subscriptions would then cost a system call per message per subscription. Here each send
 * is queued and acknowledged at once, and the queue is written corked at the end of the turn. What is
 * queued is bounded by a batch (at most 500 changes), and counted by `unread`, so a slow consumer is still
 * dropped past SUBSCRIPTION_LIMITS.unreadBytes.
 */
function coalesceWrites(socket: WebSocket): () => number {
  const send = socket.send.bind(socket) as (data: string) => void;
  let queued: string[] = [];
  let queuedBytes = 0;
  const flush = () => {
    const frames = queued;
    queued = [];
    queuedBytes = 0;
    if (socket.readyState !== socket.OPEN) return;
    const raw = (socket as unknown as { _socket?: { cork(): void; uncork(): void } })._socket;
    raw?.cork();
    for (const frame of frames) send(frame);
    raw?.uncork();
  };
  socket.send = ((data: string, ...rest: unknown[]) => {
    if (!queued.length) setImmediate(flush);
    queued.push(data);
    queuedBytes += data.length;
    const done = rest.find((r) => typeof r === 'function') as ((err?: Error) => void) | undefined;
    done?.();
  }) as typeof socket.send;
  return () => socket.bufferedAmount + queuedBytes;
}

export function subscriptionTransports(deps: SubscriptionDeps) {
  const hub = new SubscriptionHub(deps);
  const origins = new Set(deps.corsOrigins);

  // WebSocket: graphql-ws on the GraphQL path.
  const sockets = new Map<WebSocket, Connection>();
  const wss = new WebSocketServer({ noServer: true, maxPayload: SUBSCRIPTION_LIMITS.messageBytes });
  const disposable = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
      schema: deps.schema,
      connectionInitWaitTimeout: 10_000,
      async onConnect(ctx) {
        const socket = ctx.extra.socket;
        const connection = await hub.connect(
          authorizationOf(ctx.connectionParams ?? {}),
          ctx.extra.request.socket.remoteAddress ?? 'unknown',
          (why) => socket.close(...SOCKET_CLOSE[why]),
          coalesceWrites(socket),
        );
        if (!connection) return false;
        sockets.set(socket, connection);
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const connection = sockets.get(ctx.extra.socket);
        if (!connection) return [new AppError(ErrorCode.UNAUTHENTICATED, 'Send a live token in connection_init.')];
        return hub.prepare(connection, payload);
      },
      subscribe: (args) => hub.subscribe(args),
      onClose(ctx) {
        hub.disconnect(sockets.get(ctx.extra.socket));
        sockets.delete(ctx.extra.socket);
      },
    },
    wss,
  );

  // Server-Sent Events: graphql-sse, one stream per request, at /graphql/stream.
  const streams = new WeakMap<IncomingMessage, Connection>();
  const refuse = (status: number, code: ErrorCode, message: string) =>
    [
      JSON.stringify({ errors: [{ message, extensions: { code } }] }),
      { status, statusText: message, headers: { 'content-type': 'application/json' } },
    ] as const;
  const sse = createHandler({
    schema: deps.schema,
    // Distinct connections only: each request carries its own token (no stream token to reserve).
    authenticate: async (req) => {
      const res = req.context.res;
      const connection = await hub.connect(
        req.headers.get('authorization') ?? undefined,
        req.raw.socket.remoteAddress ?? 'unknown',
        () => res.end(),
        () => res.writableLength,
      );
      if (!connection) return refuse(401, ErrorCode.UNAUTHENTICATED, 'Send a live token as "Authorization: Bearer <token>".');
      streams.set(req.raw, connection);
      res.once('close', () => hub.disconnect(connection));
      return null;
    },
    onSubscribe: async (req, params) => {
      const connection = streams.get(req.raw);
      if (!connection) return refuse(401, ErrorCode.UNAUTHENTICATED, 'Send a live token as "Authorization: Bearer <token>".');
      const prepared = await hub.prepare(connection, params);
      if (Array.isArray(prepared)) {
        hub.disconnect(connection);
        return [
          JSON.stringify({ errors: prepared.map((e) => e.toJSON()) }),
          { status: 400, statusText: 'Bad Request', headers: { 'content-type': 'application/json' } },
        ];
      }
      return prepared as never;
    },
    subscribe: (args) => hub.subscribe(args),
  });

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
    /** `/graphql/stream`: a subscription as Server-Sent Events (CORS was applied before the route). */
    stream: (req: IncomingMessage, res: ServerResponse) => sse(req, res),
    async close(): Promise<void> {
      hub.close();
      await disposable.dispose();
    },
  };
}
