import { describe, expect, it } from 'vitest';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { buildSchema, printSchema } from 'graphql';
import {
  apollosGatewayRequestContext,
  installGatewayRequestContext,
  makeGatewayRequestContext,
  type ApolloRequestContext,
} from '../../src/graphql/gateway-request-context';

function requestContext(search = 'a=1'): ApolloRequestContext {
  return {
    request: {
      query: '{ a }',
      operationName: 'A',
      variables: { v: 1 },
      extensions: { e: true },
      http: { method: 'POST', search, headers: new HeaderMap([['x-one', '1']]) },
    },
    response: { http: { headers: new HeaderMap([['x-out', 'o']]), status: undefined } },
    schema: {},
    contextValue: { mine: true },
    queryHash: 'hash',
    document: { kind: 'Document' },
    source: '{ a }',
    operationName: 'A',
    operation: { kind: 'OperationDefinition' },
    errors: [],
    metrics: { m: 1 },
    overallCachePolicy: { p: 1 },
    requestIsBatched: false,
  };
}

/** The context as a gateway sees it: plain values, with the header views and `status` read through. */
function seen(made: Record<string, unknown>) {
  const { request, response, ...rest } = made as {
    request: Record<string, unknown>;
    response: { http: { status?: number; headers: { get(n: string): string | null } } };
  } & Record<string, unknown>;
  const http = request.http as { method: string; url: string; headers: { get(n: string): string | null; has(n: string): boolean } } | undefined;
  return {
    ...rest,
    request: { ...request, http: http && { method: http.method, url: http.url, one: http.headers.get('x-one'), none: http.headers.get('x-none') } },
    response: { status: response.http.status, out: response.http.headers.get('x-out') },
  };
}

describe("the gateway's request context", () => {
  it("holds exactly what Apollo's own function puts in it", () => {
    const server = { logger: { name: 'logger' }, cache: { name: 'cache' } };
    for (const search of ['a=1', '?a=1', '']) {
      const ours = makeGatewayRequestContext(requestContext(search), server, { includeStacktraceInErrorResponses: false });
      const apollos = apollosGatewayRequestContext()(requestContext(search), server, { includeStacktraceInErrorResponses: false });
      expect(Object.keys(ours).sort()).toEqual(Object.keys(apollos).sort());
      expect(Object.keys(ours.request as object).sort()).toEqual(Object.keys(apollos.request as object).sort());
      expect(seen(ours)).toEqual(seen(apollos));
    }
  });

  it('writes the status and headers through to the response, as Apollo does', () => {
    const rc = requestContext();
    const made = makeGatewayRequestContext(rc, { logger: null, cache: null }, {}) as {
      response: { http: { status?: number; headers: { set(n: string, v: string): void; append(n: string, v: string): void } } };
    };
    made.response.http.status = 418;
    made.response.http.headers.set('x-new', 'n');
    made.response.http.headers.append('x-new', 'm');
    expect(rc.response.http.status).toBe(418);
    expect(rc.response.http.headers.get('x-new')).toBe('n, m');
  });

  it("is what Apollo's pipeline hands the executor: no accessor of its own on the response", async () => {
    installGatewayRequestContext();
    const schema = buildSchema('type Query { a: Int }');
    let http: object | undefined;
    const apollo = new ApolloServer({
      gateway: {
        async load() {
          return {
            executor: async (rc) => {
              http = rc.response?.http;
              if (rc.response?.http) rc.response.http.status = 203;
              return { data: { a: 1 } };
            },
          };
        },
        onSchemaLoadOrUpdate(callback) {
          callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
          return () => undefined;
        },
        async stop() {},
      },
    });
    await apollo.start();
    try {
      const res = await apollo.executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: 'POST', headers: new HeaderMap([['content-type', 'application/json']]), search: '', body: { query: '{ a }' } },
        context: async () => ({}),
      });
      expect(res.status).toBe(203);
      expect(res.body.kind === 'complete' && JSON.parse(res.body.string)).toEqual({ data: { a: 1 } });
      // An own getter would be an accessor pair made per request, in the old generation (see the module's comment).
      expect(Object.getOwnPropertyDescriptor(http, 'status')).toBeUndefined();
    } finally {
      await apollo.stop();
    }
  });
});
