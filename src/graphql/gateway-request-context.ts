/**
 * The request context Apollo hands a gateway executor, made without a
 * getter and setter in an object literal.
 *
 * For every operation a gateway executes, Apollo 5 builds that context in
 * `makeGatewayGraphQLRequestContext`, whose `response.http` has its `status`
 * as a getter and setter written in an object literal. V8 allocates the
 * accessor pair of such a literal in the old generation at once. The pair
 * dies with the request, but only a full collection frees it; until then
 * every scavenge treats what its closures reach as alive: the whole request
 * (our context, the rows it read, the answer). So every request was copied
 * into the old generation in full, and a full collection followed every 2 s.
 * The slowest requests are the ones around each full collection.
 *
 * Measured (`{ __typename }`, one client): 12 KB of every request was promoted,
 * and 4 MB survived each 14 ms scavenge. With the accessors on a class
 * prototype (made once), 0.5 KB was promoted and scavenges took 4 ms. At 32
 * clients, Q3 of the PostGraphile benchmark went from 395 to 559 req/s, with
 * p99 from 169 to 113 ms (loopback, same build).
 *
 * The replacement goes into Apollo's CommonJS module, the build the server
 * and the tests load (vitest.config.mts aliases it). Apollo is pinned, and
 * test/unit/gateway-request-context.test.ts checks that its own function
 * still makes exactly the fields made here, so an upgrade that adds one
 * fails there, not in production.
 */
import path from 'node:path';
import type { HeaderMap } from '@apollo/server';

/** What `makeGatewayGraphQLRequestContext` reads of Apollo's request context (Apollo does not export the type). */
export interface ApolloRequestContext {
  request: { query?: string; operationName?: string; variables?: unknown; extensions?: unknown; http?: { method: string; search: string; headers: HeaderMap } };
  response: { http: { headers: HeaderMap; status?: number } };
  schema: unknown;
  contextValue: unknown;
  queryHash?: string;
  document?: unknown;
  source?: string;
  operationName?: string | null;
  operation?: unknown;
  errors?: unknown;
  metrics: unknown;
  overallCachePolicy: unknown;
  requestIsBatched: boolean;
}

type Maker = (
  requestContext: ApolloRequestContext,
  server: { logger: unknown; cache: unknown },
  internals: { includeStacktraceInErrorResponses?: boolean },
) => Record<string, unknown>;

/** Apollo's module that makes the gateway's request context (its CommonJS build, beside the package's entry). */
export function apolloGatewayContextModule(): { makeGatewayGraphQLRequestContext: Maker } {
  return require(path.join(path.dirname(require.resolve('@apollo/server')), 'utils', 'makeGatewayGraphQLRequestContext.js'));
}

/** The `Headers` view Apollo gives a gateway of a `HeaderMap` (a class: its methods live on the prototype). */
class HeadersOfMap {
  constructor(readonly map: HeaderMap) {}
  append(name: string, value: string) {
    this.map.set(name, this.map.has(name) ? `${this.map.get(name)}, ${value}` : value);
  }
  delete(name: string) {
    this.map.delete(name);
  }
  get(name: string) {
    return this.map.get(name) ?? null;
  }
  has(name: string) {
    return this.map.has(name);
  }
  set(name: string, value: string) {
    this.map.set(name, value);
  }
  entries() {
    return this.map.entries();
  }
  keys() {
    return this.map.keys();
  }
  values() {
    return this.map.values();
  }
  [Symbol.iterator]() {
    return this.map.entries();
  }
}

/** The response's HTTP head: `status` reads and writes the request context's, through the prototype's accessors. */
class ResponseHead {
  readonly headers: HeadersOfMap;
  constructor(private readonly http: ApolloRequestContext['response']['http']) {
    this.headers = new HeadersOfMap(http.headers);
  }
  get status() {
    return this.http.status;
  }
  set status(status: number | undefined) {
    this.http.status = status;
  }
}

/** Apollo's `makeGatewayGraphQLRequestContext`, field for field, without per-request accessors. */
export const makeGatewayRequestContext: Maker = (requestContext, server, internals) => {
  const source = requestContext.request;
  const request: Record<string, unknown> = {};
  if ('query' in source) request.query = source.query;
  if ('operationName' in source) request.operationName = source.operationName;
  if ('variables' in source) request.variables = source.variables;
  if ('extensions' in source) request.extensions = source.extensions;
  if (source.http) {
    const { search } = source.http;
    const question = search !== '' && !search.startsWith('?');
    request.http = {
      method: source.http.method,
      url: `https://unknown-url.invalid/${question ? '?' : ''}${search}`,
      headers: new HeadersOfMap(source.http.headers),
    };
  }
  return {
    request,
    response: { http: new ResponseHead(requestContext.response.http) },
    logger: server.logger,
    schema: requestContext.schema,
    schemaHash: 'schemaHash no longer exists since Apollo Server 4',
    context: requestContext.contextValue,
    cache: server.cache,
    queryHash: requestContext.queryHash,
    document: requestContext.document,
    source: requestContext.source,
    operationName: requestContext.operationName,
    operation: requestContext.operation,
    errors: requestContext.errors,
    metrics: requestContext.metrics,
    debug: internals.includeStacktraceInErrorResponses,
    overallCachePolicy: requestContext.overallCachePolicy,
    requestIsBatched: requestContext.requestIsBatched,
  };
};

let apollosOwn: Maker | undefined;

/** Apollo's own `makeGatewayGraphQLRequestContext`, replaced or not (the test compares the two). */
export function apollosGatewayRequestContext(): Maker {
  return apollosOwn ?? apolloGatewayContextModule().makeGatewayGraphQLRequestContext;
}

/** Has Apollo's request pipeline make gateway request contexts with `makeGatewayRequestContext` (idempotent). */
export function installGatewayRequestContext(): void {
  const mod = apolloGatewayContextModule();
  if (mod.makeGatewayGraphQLRequestContext === makeGatewayRequestContext) return;
  apollosOwn = mod.makeGatewayGraphQLRequestContext;
  mod.makeGatewayGraphQLRequestContext = makeGatewayRequestContext;
}
