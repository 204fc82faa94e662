/**
 * Client apps' quotas (issue 32, item 3), through HTTP against real servers: every answer to an app carries
 * the IETF RateLimit header fields; past its quota of requests or of cost units an app gets 429 with
 * Retry-After, while staff and other apps notice nothing; two processes on one Redis spend from one count.
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectError, expectOk } from './support/expect';
import { redisAnswers, startServerProcess, type ServerProcess } from './support/server-process';
import { serveOverHttp, type HttpServer } from './support/http-server';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let server: HttpServer;
let base: string;
let admin: Client;

beforeAll(async () => {
  t = await startTestApp();
  server = await serveOverHttp(t.app);
  base = server.base + '/graphql';
  admin = await t.as(Role.ADMIN, 'KP2MI');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

let serial = 0;
async function appWithQuota(requests?: number, cost?: number): Promise<{ id: string; token: (at?: string) => Promise<string> }> {
  const created = expectOk(
    await admin.raw('mutation($i: CreateApiClientInput!) { createApiClient(input: $i) { client { id clientId } clientSecret } }', {
      i: { name: `Quota app ${serial++} ${randomBytes(3).toString('hex')}`, role: 'VIEWER' },
    }),
  ).createApiClient;
  if (requests)
    expectOk(
      await admin.raw('mutation($id: ID!, $r: Int!, $c: Int!) { setApiClientQuota(id: $id, requestsPerWindow: $r, costPerWindow: $c) { id } }', {
        id: created.client.id,
        r: requests,
        c: cost ?? 2_000_000,
      }),
    );
  return {
    id: created.client.id,
    token: async (at = base) => {
      const res = await fetch(at.replace(/\/graphql$/, '/oauth/token'), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: created.client.clientId, client_secret: created.clientSecret }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    },
  };
}

async function ask(token: string | null, query = '{ viewer { kind } }', at = base) {
  const res = await fetch(at, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { errors?: { extensions?: { code?: string } }[] };
  return {
    status: res.status,
    code: body.errors?.[0]?.extensions?.code ?? 'OK',
    policy: res.headers.get('ratelimit-policy'),
    left: res.headers.get('ratelimit'),
    retryAfter: res.headers.get('retry-after'),
  };
}

describe('quotas of client apps', () => {
  it("every answer to an app says its policy and what is left; staff's answers carry none", async () => {
    const app = await appWithQuota(50, 100_000);
    const token = await app.token();
    const first = await ask(token);
    expect(first.policy).toBe('"requests";q=50;w=60, "cost";q=100000;w=60');
    expect(first.left).toMatch(/^"requests";r=49;t=\d+, "cost";r=\d+;t=\d+$/);
    const second = await ask(token);
    expect(second.left).toMatch(/^"requests";r=48;/);
    const staff = await t.as(Role.VIEWER, 'KP2MI');
    expect((await ask(staff.token)).policy).toBeNull();
  });

  it('past its quota of requests an app gets 429 with Retry-After; another app and staff notice nothing', async () => {
    const app = await appWithQuota(3);
    const token = await app.token();
    for (let i = 0; i < 3; i++) expect((await ask(token)).status).toBe(200);
    const refused = await ask(token);
    expect([refused.status, refused.code]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.left).toMatch(/^"requests";r=0;/);
    const other = await appWithQuota(3);
    expect((await ask(await other.token())).status).toBe(200);
    const staff = await t.as(Role.VIEWER, 'KP2MI');
    for (let i = 0; i < 5; i++) expect((await ask(staff.token)).status).toBe(200);
  });

  it('past its quota of cost units an operation is refused before it runs', async () => {
    const app = await appWithQuota(100, 300);
    const token = await app.token();
    const heavy = '{ institutions(first: 100) { edges { node { id programs(first: 50) { totalCount } } } } }';
    const refused = await ask(token, heavy);
    expect([refused.status, refused.code]).toEqual([429, 'TOO_MANY_REQUESTS']);
    expect(refused.left).toMatch(/"cost";r=0;/);
  });

  it('is set by the ADMIN of the app’s ministry within the operator’s bounds', async () => {
    const app = await appWithQuota();
    const SET =
      'mutation($id: ID!, $r: Int!, $c: Int!) { setApiClientQuota(id: $id, requestsPerWindow: $r, costPerWindow: $c) { quota { requestsPerWindow costPerWindow windowSeconds isDefault } } }';
    expect(
      expectOk(await admin.raw('query { apiClients(first: 50) { edges { node { id quota { isDefault requestsPerWindow } } } } }')).apiClients.edges.find(
        (e: any) => e.node.id === app.id,
      ).node.quota,
    ).toEqual({
      isDefault: true,
      requestsPerWindow: t.config.appQuotas.defaultRequests,
    });
    expect(expectOk(await admin.raw(SET, { id: app.id, r: 10, c: 1000 })).setApiClientQuota.quota).toEqual({
      requestsPerWindow: 10,
      costPerWindow: 1000,
      windowSeconds: 60,
      isDefault: false,
    });
    expectError(await admin.raw(SET, { id: app.id, r: t.config.appQuotas.maxRequests + 1, c: 1000 }), 'BAD_USER_INPUT', 'requestsPerWindow');
    expectError(await admin.raw(SET, { id: app.id, r: 10, c: 0 }), 'BAD_USER_INPUT', 'costPerWindow');
    expectError(await (await t.as(Role.EDITOR, 'KP2MI')).raw(SET, { id: app.id, r: 10, c: 1000 }), 'FORBIDDEN');
    expectError(await (await t.as(Role.PLATFORM_ADMIN)).raw(SET, { id: app.id, r: 10, c: 1000 }), 'FORBIDDEN');
    expectError(await t.anonymous().raw(SET, { id: app.id, r: 10, c: 1000 }), 'UNAUTHENTICATED');
  });

  describe('two server processes on one Redis', () => {
    const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
    const prefix = `sinergi-quota-${randomBytes(4).toString('hex')}`;
    let available = false;
    let a: ServerProcess;
    let b: ServerProcess;
    beforeAll(async () => {
      available = await redisAnswers(redisUrl);
      if (!available) return;
      const env = { DATABASE_URL: t.databaseUrl, JWT_SECRET: t.config.jwtSecret, AUDIT_KEY: t.config.auditKey, REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
      [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
    }, 120_000);
    afterAll(async () => {
      await Promise.all([a?.stop(), b?.stop()]);
      if (!available) return;
      const redis = new Redis(redisUrl);
      const keys = await redis.keys(`${prefix}:*`);
      if (keys.length) await redis.del(...keys);
      redis.disconnect();
    });

    it('spend from one count: an app that spent its quota at one process is refused at the other', async (ctx) => {
      if (!available) {
        console.log(`quotas across processes: skipped, no Redis answers at ${redisUrl} (set REDIS_URL)`);
        return ctx.skip();
      }
      const app = await appWithQuota(4);
      const token = await app.token(a.url);
      expect((await ask(token, undefined, a.url)).status).toBe(200);
      expect((await ask(token, undefined, b.url)).status).toBe(200);
      expect((await ask(token, undefined, a.url)).status).toBe(200);
      expect((await ask(token, undefined, b.url)).left).toMatch(/^"requests";r=0;/);
      expect((await ask(token, undefined, a.url)).status).toBe(429);
      expect((await ask(token, undefined, b.url)).status).toBe(429);
    });
  });
});
