/**
 * Every document answers 4xx, never 5xx (issue 29): a generated corpus of
 * GraphQL-over-HTTP requests — documents with several operations, names the
 * document lacks, a mutation beside a query, malformed `operationName` and
 * `variables`, GET and POST, anonymous and signed in, development and
 * production — sent over real HTTP to the real app.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/server/app';
import { loadConfig } from '../src/config';
import { Role, startTestApp, type TestApp } from './support/test-app';
import { generateSigner } from '../src/modules/audit/log/note';

let t: TestApp;
const servers: http.Server[] = [];
const targets: { label: string; url: string; token: string | null }[] = [];

async function serve(app: App): Promise<string> {
  const server = http.createServer(app.handle);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}

interface Answer {
  status: number;
  codes: string[];
  body: string;
}

async function send(url: string, token: string | null, method: 'GET' | 'POST', body: Record<string, unknown>): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/graphql-response+json, application/json', 'apollo-require-preflight': 'true' };
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Response;
  if (method === 'GET') {
    const qs = new URLSearchParams();
    for (const [k, v] of Object.entries(body)) if (v !== undefined) qs.set(k, typeof v === 'string' ? v : JSON.stringify(v));
    res = await fetch(`${url}?${qs}`, { headers });
  } else {
    res = await fetch(url, { method, headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  }
  const text = await res.text();
  let codes: string[] = [];
  try {
    codes = ((JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors ?? []).map((e) => String(e.extensions?.code));
  } catch {
    codes = ['(not JSON)'];
  }
  return { status: res.status, codes, body: text.slice(0, 300) };
}

/** Documents whose operation must be chosen, or cannot be. */
const DOCUMENTS: Record<string, string> = {
  anonymous: '{ __typename }',
  named: 'query Institutions { __typename }',
  twoQueries: 'query A { __typename } query B { viewer { email } }',
  twoAnonymous: '{ __typename } { __typename }',
  queryAndMutation: 'query A { __typename } mutation B { logout }',
  mutationOnly: 'mutation M { logout }',
  subscription: 'subscription S { __typename }',
  fragmentOnly: 'fragment F on Query { __typename }',
  withFragment: 'query A { ...F } fragment F on Query { __typename }',
  duplicateNames: 'query A { __typename } query A { __typename }',
  empty: '',
  blank: '   ',
  notGraphql: '<html>',
};

const OPERATION_NAMES: unknown[] = [undefined, null, 'A', 'B', 'Institutions', 'M', 'S', 'Nope', '', 5, ['A'], { A: 1 }];
const VARIABLES: unknown[] = [undefined, {}, 'x', ['a'], null];

beforeAll(async () => {
  t = await startTestApp();
  const viewer = await t.as(Role.VIEWER, 'KEMNAKER');
  const dev = await serve(t.app);
  const strong = () => randomBytes(32).toString('base64');
  const prod = await serve(
    await createApp({
      orm: t.orm,
      config: loadConfig({ NODE_ENV: 'production', JWT_SECRET: strong(), AUDIT_KEY: strong(), AUDIT_LOG_KEY: generateSigner('sinergi.test/audit-log').secret }),
      log: pino({ level: process.env.TEST_LOG ?? 'silent' }),
    }),
  );
  targets.push(
    { label: 'dev anonymous', url: dev, token: null },
    { label: 'dev viewer', url: dev, token: viewer.token },
    { label: 'prod anonymous', url: prod, token: null },
  );
});
afterAll(async () => {
  for (const s of servers) s.close();
  await t.close();
});

describe('operation selection over HTTP', () => {
  it('answers every combination of document, operationName, variables, method and caller with a 2xx or 4xx and a code', async () => {
    const fivexx: string[] = [];
    const uncoded: string[] = [];
    let sent = 0;
    for (const target of targets)
      for (const [docName, query] of Object.entries(DOCUMENTS))
        for (const operationName of OPERATION_NAMES)
          for (const variables of VARIABLES)
            for (const method of ['POST', 'GET'] as const) {
              const label = `${target.label} ${method} ${docName} operationName=${JSON.stringify(operationName)} variables=${JSON.stringify(variables)}`;
              const a = await send(target.url, target.token, method, { query, operationName, variables });
              sent++;
              if (a.status >= 500) fivexx.push(`${label}: ${a.status} ${a.body}`);
              if (a.status >= 400 && (!a.codes.length || a.codes.includes('undefined') || a.codes.includes('INTERNAL_SERVER_ERROR')))
                uncoded.push(`${label}: ${a.status} ${a.body}`);
            }
    expect(sent).toBeGreaterThan(2000);
    expect(fivexx).toEqual([]);
    expect(uncoded).toEqual([]);
  }, 300_000);

  it('says OPERATION_RESOLUTION_FAILURE, 400, naming operationName, when the document does not say which operation to run', async () => {
    const [dev] = targets;
    for (const [query, operationName, why] of [
      [DOCUMENTS.twoQueries, undefined, /defines 2 operations/],
      [DOCUMENTS.queryAndMutation, undefined, /defines 2 operations/],
      [DOCUMENTS.anonymous, 'Institutions', /no operation named "Institutions"/],
      [DOCUMENTS.twoQueries, 'C', /no operation named "C": it defines "A", "B"/],
    ] as const) {
      for (const method of ['POST', 'GET'] as const) {
        const a = await send(dev.url, null, method, { query, operationName });
        expect(a.status, a.body).toBe(400);
        const [error] = JSON.parse(a.body).errors;
        expect(error.extensions).toMatchObject({ code: 'OPERATION_RESOLUTION_FAILURE', field: 'operationName' });
        expect(error.message).toMatch(why);
      }
    }
    // Named, each runs; a mutation by GET is 405, not run.
    expect((await send(dev.url, null, 'POST', { query: DOCUMENTS.twoQueries, operationName: 'A' })).body.trim()).toBe('{"data":{"__typename":"Query"}}');
    expect((await send(dev.url, null, 'GET', { query: DOCUMENTS.queryAndMutation, operationName: 'B' })).status).toBe(405);
  });
});
