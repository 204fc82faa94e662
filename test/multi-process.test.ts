/**
 * Several server processes on one Redis (REDIS_URL), as a deployment behind a
 * load balancer runs them: what one process counts, stores or revokes holds
 * at the other. Skips, saying why, where no Redis answers.
 */
import { createHash, randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { toGlobalId } from '../src/shared/global-id';
import { startTestApp, TEST_PASSWORD, type TestApp } from './support/test-app';
import { post, redisAnswers, startServerProcess, type ServerProcess } from './support/server-process';

const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `sinergi-test-${randomBytes(4).toString('hex')}`;
let available = false;
let t: TestApp;
let a: ServerProcess;
let b: ServerProcess;

beforeAll(async () => {
  available = await redisAnswers(redisUrl);
  if (!available) {
    console.log(`two server processes on one Redis: skipped, no Redis answers at ${redisUrl} (set REDIS_URL)`);
    return;
  }
  t = await startTestApp();
  const env = { DATABASE_URL: t.databaseUrl, JWT_SECRET: t.config.jwtSecret, AUDIT_KEY: t.config.auditKey, REDIS_URL: redisUrl, REDIS_PREFIX: prefix };
  [a, b] = await Promise.all([startServerProcess(env), startServerProcess(env)]);
}, 120_000);
afterAll(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await t?.close();
  if (available) {
    const redis = new Redis(redisUrl);
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
});

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }';
const codeOf = (res: { errors?: { extensions?: { code?: string } }[] }) => res.errors?.[0]?.extensions?.code ?? 'OK';

describe('two server processes on one Redis', () => {
  it('share the login limits: failures counted at one refuse the account at the other', async (ctx) => {
    if (!available) return ctx.skip();
    const viewer = await t.as(Role.VIEWER, 'KP2MI');
    const email = viewer.account!.email;
    for (let i = 0; i < 10; i++)
      expect(codeOf(await post(i % 2 ? a.url : b.url, { query: LOGIN, variables: { e: email, p: 'wrong' } }))).toBe('UNAUTHENTICATED');
    expect(codeOf(await post(a.url, { query: LOGIN, variables: { e: email, p: TEST_PASSWORD } }))).toBe('TOO_MANY_REQUESTS');
    expect(codeOf(await post(b.url, { query: LOGIN, variables: { e: email, p: TEST_PASSWORD } }))).toBe('TOO_MANY_REQUESTS');
  });

  it('share persisted queries: a hash registered at one is found at the other; an anonymous caller stores none', async (ctx) => {
    if (!available) return ctx.skip();
    const editor = await t.as(Role.EDITOR, 'KP2MI');
    const query = `query Persisted${randomBytes(3).toString('hex')} { viewer { email role } }`;
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const hashOnly = { extensions: { persistedQuery: { version: 1, sha256Hash } } };
    expect(codeOf(await post(b.url, hashOnly, editor.token))).toBe('PERSISTED_QUERY_NOT_FOUND');
    const registered = await post(a.url, { query, ...hashOnly }, editor.token);
    expect(registered.errors).toBeUndefined();
    const byHash = await post(b.url, hashOnly, editor.token);
    expect(byHash.errors).toBeUndefined();
    expect(byHash.data).toEqual({ viewer: { email: editor.account!.email, role: 'EDITOR' } });

    // Anonymous: the query with its hash runs, but the text is not kept for anyone.
    const other = `query Anonymous${randomBytes(3).toString('hex')} { viewer { email } }`;
    const otherHash = { extensions: { persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(other).digest('hex') } } };
    expect(await post(a.url, { query: other, ...otherHash })).toMatchObject({ status: 200, data: { viewer: null } });
    expect(codeOf(await post(b.url, otherHash, editor.token))).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(codeOf(await post(a.url, otherHash, editor.token))).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('share revocations: an account locked out through one process has its token refused at the other', async (ctx) => {
    if (!available) return ctx.skip();
    const admin = await t.as(Role.ADMIN, 'KEMENKES');
    const viewer = await t.as(Role.VIEWER, 'KEMENKES');
    expect((await post(b.url, { query: '{ viewer { email } }' }, viewer.token)).data).toEqual({ viewer: { email: viewer.account!.email } });
    const locked = await post(
      a.url,
      {
        query: 'mutation($id: ID!) { updateAccount(input: { id: $id, active: false }) { active } }',
        variables: { id: toGlobalId('Account', viewer.account!.id) },
      },
      admin.token,
    );
    expect(locked.errors).toBeUndefined();
    expect(codeOf(await post(b.url, { query: '{ institutions(first: 1) { totalCount } }' }, viewer.token))).toBe('UNAUTHENTICATED');
  });
});
