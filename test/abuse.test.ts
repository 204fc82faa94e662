/**
 * Abuse resistance (issue 9), over real HTTP against the real app: oversized
 * documents refused before parsing (tighter for anonymous callers), fragment
 * cycles answered 400, aliases of expensive fields priced by their work, a
 * time budget in PostgreSQL for every request, and a production mode that
 * serves no introspection, no GraphiQL and no field suggestions.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash, randomBytes } from 'node:crypto';
import { parse } from 'graphql';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/server/app';
import { keyBytes, loadConfig, looksRandom, productionKeyProblems } from '../src/config';
import type { Context } from '../src/context';
import { assertComplexity, EXPORT_COST, FIELD_COST, MAX_ALIASES, REQUEST_LIMITS } from '../src/shared/query-limits';
import { toGlobalId } from '../src/shared/global-id';
import * as ops from './generated/graphql';
import { Role, startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';
import { generateSigner } from '../src/modules/audit/log/note';

let t: TestApp;
let viewer: Client;
const servers: http.Server[] = [];

/** Serves `app` on a loopback port for the duration of the file. */
async function serve(app: App): Promise<string> {
  const server = http.createServer(app.handle);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
}
let url: string;

async function post(target: string, body: unknown, token?: string | null) {
  const started = Date.now();
  const res = await fetch(target, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let json: { data?: any; errors?: { message: string; extensions?: { code?: string } }[] } = {};
  try {
    json = JSON.parse(text);
  } catch {
    /* not JSON: the test says what it expected */
  }
  return { status: res.status, json, ms: Date.now() - started };
}

beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.as(Role.VIEWER, 'KEMNAKER');
  url = await serve(t.app);
});
afterAll(async () => {
  for (const s of servers) s.close();
  await t.close();
});

describe('documents refused before parsing', () => {
  it('a 5 MB anonymous document is refused at once, without reading it as GraphQL', async () => {
    const res = await post(url, { query: `{ ${'x '.repeat(2_500_000)}}` });
    expect(res.status).toBe(413);
    expect(res.json.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
  });

  it('anonymous callers get less room than logged-in ones, in characters and in tokens', async () => {
    const long = `{ ${'__typename '.repeat(Math.ceil(REQUEST_LIMITS.anonymous.documentChars / 11) + 10)}}`;
    expect((await post(url, { query: long })).status).toBe(400);
    const many = `{ ${'a '.repeat(REQUEST_LIMITS.anonymous.tokens)}}`;
    const anonymous = await post(url, { query: many });
    expect(anonymous.status).toBe(400);
    expect(anonymous.json.errors?.[0].message).toMatch(/tokens/);
    // The same document from a logged-in caller gets past the size checks (and fails as the nonsense it is).
    const loggedIn = await post(url, { query: many }, viewer.token);
    expect(loggedIn.json.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const huge = await post(url, { query: `{ ${'a '.repeat(REQUEST_LIMITS.authenticated.tokens + 1)}}` }, viewer.token);
    expect(huge.status).toBe(400);
  });

  it('a persisted document stored by a signed-in caller runs under the limits of whoever sends its hash', async () => {
    const long = `query Long { __typename }\n# ${'padding '.repeat(Math.ceil(REQUEST_LIMITS.anonymous.documentChars / 8) + 10)}`;
    const sha256Hash = createHash('sha256').update(long).digest('hex');
    const persisted = { extensions: { persistedQuery: { version: 1, sha256Hash } } };
    // Stored by a signed-in caller, within its own limits.
    const stored = await post(url, { query: long, ...persisted }, viewer.token);
    expect(stored.json.data).toMatchObject({ __typename: 'Query' });
    // The hash alone, anonymously: refused as the text itself would have been.
    const anonymous = await post(url, persisted);
    expect(anonymous.status).toBe(400);
    expect(anonymous.json.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
    expect(anonymous.json.errors?.[0].message).toMatch(/characters/);
    expect(anonymous.json.data).toBeUndefined();
    // Signed in, it runs.
    expect((await post(url, persisted, viewer.token)).json.data).toMatchObject({ __typename: 'Query' });
    // A token whose session has ended is no signed-in caller, whatever its signature: refused as anonymous.
    const login = await post(url, {
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
      variables: { e: viewer.account!.email, p: TEST_PASSWORD },
    });
    const ended = login.json.data.login.token as string;
    expect((await post(url, persisted, ended)).json.data).toMatchObject({ __typename: 'Query' });
    expect((await post(url, { query: 'mutation { logout }' }, ended)).json.data).toEqual({ logout: true });
    const afterLogout = await post(url, persisted, ended);
    expect(afterLogout.status).toBe(400);
    expect(afterLogout.json.errors?.[0].message).toMatch(/characters/);
  });

  it('a body is checked as it streams in: nesting and size are refused before any JSON.parse, from a token as from nobody', async () => {
    const deep = `{"query":"{ __typename }","variables":{"a":${'['.repeat(40)}${']'.repeat(40)}}}`;
    for (const token of [null, viewer.token]) {
      const nested = await post(url, deep, token);
      expect(nested.status).toBe(400);
      expect(nested.json.errors?.[0].message).toMatch(/nested deeper than 32/);
    }
    const wide = JSON.stringify({ query: '{ __typename }', variables: { a: Array.from({ length: 2_000 }, () => []) } });
    expect((await post(url, wide)).json.errors?.[0].message).toMatch(/more than 1000 arrays and objects/);
    // Brackets inside strings are text, not structure.
    expect((await post(url, JSON.stringify({ query: '{ __typename }', variables: { s: '['.repeat(5_000) + '"\\"' } }), viewer.token)).status).toBe(200);
    // 8 MB signed in: refused by its declared length, and, sent in chunks without one, after the first 4 MB.
    const eight = `{"query":"{ __typename }","variables":{"a":"${'x'.repeat(8 * 1024 * 1024)}"}}`;
    expect((await post(url, eight, viewer.token)).status).toBe(413);
    const chunked = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${viewer.token}` },
      body: new ReadableStream({
        start(c) {
          for (let i = 0; i < 8; i++)
            c.enqueue(new TextEncoder().encode(i === 0 ? `{"query":"{ __typename }","v":"${'x'.repeat(1024 * 1024)}` : 'x'.repeat(1024 * 1024)));
          c.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('login still fits comfortably', async () => {
    const res = await post(url, {
      query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
      variables: { e: 'nobody@test.local', p: 'x' },
    });
    expect(res.json.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('validation that cannot be made to recurse', () => {
  it('a fragment cycle is a 400, not a stack overflow', async () => {
    const res = await post(url, { query: 'fragment A on Query { ...B } fragment B on Query { ...A } { ...A }' }, viewer.token);
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  it('more aliases than allowed are refused before running', async () => {
    const res = await post(url, { query: `{ ${Array.from({ length: MAX_ALIASES + 1 }, (_, i) => `a${i}: viewer { email }`).join(' ')} }` }, viewer.token);
    expect(res.status).toBe(400);
    expect(res.json.errors?.[0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });
});

describe('expensive fields are priced by their work, and aliases add up', () => {
  const aliases = (n: number, field: string) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;

  for (const [field, refusedAt, allowed] of [
    ['accessMatrix { operation }', 25, 1],
    ['institutionsCsv', 3, 1],
    ['statistics { institutionCount }', 6, 1],
  ] as const) {
    it(`${field.split(' ')[0]}: ${refusedAt} aliases are refused before any SQL, ${allowed} runs`, async () => {
      const res = await post(url, { query: aliases(refusedAt, field) }, viewer.token);
      expect(res.status).toBe(400);
      expect(res.json.errors?.[0].message).toMatch(/would cost/);
      const ok = await post(url, { query: aliases(allowed, field) }, viewer.token);
      expect(ok.json.errors).toBeUndefined();
    });
  }

  it('every CSV export field of the schema is priced as an export, whichever resource adds it (placementsCsv was not)', () => {
    const exports = Object.values(t.app.schema.getQueryType()!.getFields()).filter((f) => f.name.endsWith('Csv'));
    expect(exports.map((f) => f.name)).toEqual(expect.arrayContaining(['institutionsCsv', 'placementsCsv']));
    for (const f of exports) expect(assertComplexity(t.app.schema, parse(`{ ${f.name} }`), {}), f.name).toBeGreaterThanOrEqual(EXPORT_COST);
  });

  it('each heavy field carries its price on itself, where it is written (no table of names to forget)', () => {
    for (const [name, cost] of Object.entries(FIELD_COST)) {
      const field = t.app.schema.getQueryType()!.getFields()[name] ?? t.app.schema.getMutationType()!.getFields()[name];
      expect(field?.extensions?.cost, name).toBe(cost);
    }
  });
});

describe('a time budget in PostgreSQL', () => {
  it("every request's transaction carries the statement and idle timeouts of its budget", async () => {
    const seen: Record<string, string>[] = [];
    const probe = await t.as(Role.VIEWER, 'KEMNAKER', async (ctx: Context) => {
      seen.push((await ctx.em.execute(`select current_setting('statement_timeout') as s, current_setting('idle_in_transaction_session_timeout') as i`))[0]);
    });
    await probe.raw('{ __typename }');
    expect(seen).toEqual([{ s: '10s', i: '10s' }]);
  });

  it('a statement past its budget is stopped and reported as TIMEOUT, not as an internal error', async () => {
    const slow = await t.as(Role.VIEWER, 'KEMNAKER', async (ctx: Context) => {
      await ctx.em.execute(`select set_config('statement_timeout', '50', true)`);
      await ctx.em.execute('select pg_sleep(1)');
    });
    const res = await slow.raw('{ __typename }');
    expect(res.errors?.[0].extensions?.code).toBe('TIMEOUT');
  });
});

describe('production', () => {
  const strong = () => randomBytes(32).toString('base64');
  let prod: string;
  beforeAll(async () => {
    const config = loadConfig({
      NODE_ENV: 'production',
      JWT_SECRET: strong(),
      AUDIT_KEY: strong(),
      AUDIT_LOG_KEY: generateSigner('sinergi.test/audit-log').secret,
    });
    prod = await serve(await createApp({ orm: t.orm, config, log: pino({ level: 'silent' }) }));
  });

  it('serves no introspection, no field suggestions and no GraphiQL unless enabled', async () => {
    const intro = await post(prod, { query: '{ __schema { types { name } } }' });
    expect(intro.status).toBe(400);
    expect(JSON.stringify(intro.json)).not.toMatch(/"types"/);
    // The refusal names the setting that would change it, not a library's option.
    expect(JSON.stringify(intro.json)).toContain('GRAPHQL_INTROSPECTION=true');
    expect(JSON.stringify(intro.json)).not.toMatch(/pass introspection|ApolloServer/);
    const typo = await post(prod, { query: '{ institutoins { totalCount } }' });
    expect(JSON.stringify(typo.json)).not.toMatch(/Did you mean/);
    // Every kind of hint: enum values, arguments, input fields and types, anonymous or not.
    for (const [query, hint] of [
      ['mutation { importCsv(kind: TRAINEEZ, csv: "") { total } }', 'TRAINEES'],
      ['{ institutions(frist: 1) { totalCount } }', '"first'],
      ['{ institutions(filter: { provinceCod: "35" }) { totalCount } }', 'provinceCode'],
      ['query($f: InstitutionFiltr) { institutions(filter: $f) { totalCount } }', 'InstitutionFilter'],
    ]) {
      const hinted = await post(prod, { query });
      expect(hinted.status, query).toBe(400);
      expect(JSON.stringify(hinted.json), query).not.toMatch(/Did you mean/);
      expect(JSON.stringify(hinted.json), query).not.toContain(hint);
      expect(JSON.stringify((await post(url, { query }, viewer.token)).json), query).toMatch(/Did you mean/);
    }
    // A browser is told GraphiQL is off and what would serve it; no page, no script.
    const page = await fetch(prod, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(404);
    const text = await page.text();
    expect(text).toMatch(/^GraphiQL is off on this server \(GRAPHIQL=true serves it/);
    expect(text).not.toMatch(/<script|<html/i);
    // Development keeps them.
    expect(JSON.stringify((await post(url, { query: '{ institutoins { totalCount } }' }, viewer.token)).json)).toMatch(/Did you mean/);
  });

  it('wants 256-bit keys that differ', () => {
    expect(keyBytes(randomBytes(32).toString('hex'))).toBe(32);
    expect(keyBytes(randomBytes(32).toString('base64url'))).toBe(32);
    expect(productionKeyProblems({ jwtSecret: 'x', auditKey: 'y' })).toHaveLength(2);
    const k = strong();
    expect(productionKeyProblems({ jwtSecret: k, auditKey: k })).toEqual([expect.stringMatching(/differ/)]);
    expect(productionKeyProblems({ jwtSecret: strong(), auditKey: strong() })).toEqual([]);
    expect(productionKeyProblems({ jwtSecret: 'correct horse battery staple is long enough?', auditKey: strong() })).toHaveLength(1);
  });

  it('refuses keys that are long but not random, and one key written two ways', () => {
    const random = randomBytes(32);
    for (const weak of [
      'a'.repeat(72),
      'A'.repeat(44),
      '0123456789abcdef'.repeat(4),
      Buffer.from('correct horse battery staple, twice over!!').toString('base64'),
      Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex'),
      Buffer.alloc(32, 7).toString('base64'),
      Buffer.from(Array.from({ length: 32 }, (_, i) => [1, 2, 3, 4][i % 4])).toString('hex'),
    ])
      expect(productionKeyProblems({ jwtSecret: weak, auditKey: strong() }), weak).toEqual([expect.stringMatching(/not random|256 bits/)]);
    // The same 32 bytes as hex and as base64 are one key.
    expect(productionKeyProblems({ jwtSecret: random.toString('hex'), auditKey: random.toString('base64') })).toEqual([expect.stringMatching(/differ/)]);
    expect(productionKeyProblems({ jwtSecret: random.toString('base64url'), auditKey: random.toString('base64') })).toEqual([expect.stringMatching(/differ/)]);
    // A thousand real keys all pass.
    for (let i = 0; i < 1000; i++) expect(looksRandom(randomBytes(32))).toBe(true);
  });
});

describe('the client address behind proxies', () => {
  const login = (target: string, email: string, password: string, forwardedFor: string) =>
    fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: JSON.stringify({ query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: email, p: password } }),
    })
      .then((r) => r.json() as Promise<{ errors?: { extensions: { code: string } }[] }>)
      .then((j) => j.errors?.[0]?.extensions.code ?? 'OK');

  it('X-Forwarded-For is ignored unless TRUST_PROXY says how many proxies to trust', async () => {
    const user = await t.as(Role.VIEWER, 'KEMNAKER');
    // Without TRUST_PROXY a forged header gives no fresh address: all ten failures count against the socket's.
    for (let i = 0; i < 10; i++) expect(await login(url, user.account!.email, 'wrong', `10.9.0.${i}`)).toBe('UNAUTHENTICATED');
    expect(await login(url, user.account!.email, TEST_PASSWORD, '10.9.1.1')).toBe('TOO_MANY_REQUESTS');
    // Behind one trusted proxy, the address it appended (the right-most) is the client's.
    const proxied = await serve(await createApp({ orm: t.orm, config: { ...t.config, trustProxy: 1 }, log: pino({ level: 'silent' }) }));
    for (let i = 0; i < 10; i++) expect(await login(proxied, user.account!.email, 'wrong', `1.2.3.4, 10.8.0.1`)).toBe('UNAUTHENTICATED');
    expect(await login(proxied, user.account!.email, TEST_PASSWORD, '1.2.3.4, 10.8.0.1')).toBe('TOO_MANY_REQUESTS');
    expect(await login(proxied, user.account!.email, TEST_PASSWORD, '10.8.0.1, 10.8.0.2')).toBe('OK');
  });
});

describe('junk is refused with the field at fault, and nothing is stored', () => {
  const institution = (name: string) => ({ input: { name, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 10 } });

  it('control characters, ANSI escapes, bidi overrides, zero-width-only and blank names', async () => {
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    for (const junk of ['BLK\u0000Malang', 'BLK \u001b[31mred\u001b[0m', 'BLK \u202egnalaM', '\u200b\u200b\u200b', '    ', 'BLK\nMalang', 'BLK \ud800']) {
      const res = await editor.exec(ops.CreateInstitutionDocument, institution(junk) as never);
      expect(res.errors?.[0].extensions, JSON.stringify(junk)).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.name' });
    }
    // NFC: a decomposed name is stored composed.
    const made = await editor.exec(ops.CreateInstitutionDocument, institution('LPK Ke\u0301sehatan') as never);
    expect((made.data as { createInstitution: { name: string } }).createInstitution.name).toBe('LPK K\u00e9sehatan');
  });

  it('implausible dates, fractional rupiah and over-long strings', async () => {
    const editor = await t.as(Role.EDITOR, 'KEMNAKER');
    const trainee = { nik: '3507125204980001', fullName: 'Siti', sex: 'FEMALE', originProvinceCode: '35' };
    for (const birthDate of ['0000-01-01', '1899-12-31', '9999-12-31']) {
      expect((await editor.exec(ops.CreateTraineeDocument, { input: { ...trainee, birthDate } } as never)).errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'input.birthDate',
      });
    }
    const biz = {
      returneeName: 'X',
      returneeNik: '3507125204980001',
      businessName: 'Warung',
      kbliCode: '56101',
      villageCode: '3507122001',
      provinceCode: '35',
      financingAmount: 1.5,
    };
    expect(
      (await editor.raw('mutation($i: CreateReturneeBusinessInput!) { createReturneeBusiness(input: $i) { id } }', { i: biz })).errors?.[0].extensions,
    ).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.financingAmount' });
    const mou = {
      title: 'T'.repeat(256),
      scope: 'Scope of it',
      validFrom: '2025-01-01',
      validUntil: '2030-01-01',
      partyMinistryIds: [toGlobalId('Ministry', (await t.ministry('KP2MI')).id)],
    };
    expect((await editor.raw('mutation($i: CreateMouInput!) { createMou(input: $i) { id } }', { i: mou })).errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.title',
    });
  });
});

describe('operations at once, per process', () => {
  const burst = (target: string, n: number) =>
    Promise.all(Array.from({ length: n }, () => post(target, { query: '{ institutions(first: 5) { totalCount edges { node { id name } } } }' }, viewer.token)));

  it('past the queue, an operation is answered 503 SERVICE_UNAVAILABLE at once, with when to retry; none fails otherwise', async () => {
    const gated = await serve(
      await createApp({ orm: t.orm, config: { ...t.config, maxConcurrentOperations: 1, maxQueuedOperations: 0 }, log: pino({ level: 'silent' }) }),
    );
    const answers = await burst(gated, 20);
    const busy = answers.filter((a) => a.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((a) => a.json.errors?.[0]?.extensions?.code === 'SERVICE_UNAVAILABLE')).toBe(true);
    expect(answers.filter((a) => a.status !== 503).every((a) => a.status === 200 && !a.json.errors)).toBe(true);
    const res = await fetch(gated, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(res.status).toBe(200);
  });

  it('within the queue, every operation waits for its turn and is answered', async () => {
    const queued = await serve(
      await createApp({ orm: t.orm, config: { ...t.config, maxConcurrentOperations: 2, maxQueuedOperations: 100 }, log: pino({ level: 'silent' }) }),
    );
    const answers = await burst(queued, 20);
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.every((a) => !a.json.errors && JSON.stringify(a.json.data) === JSON.stringify(answers[0].json.data))).toBe(true);
    expect(answers[0].json.data?.institutions?.totalCount).toBeGreaterThan(0);
  });
});
