/** Query depth and cost limits, and the failed-login limit. */
import 'reflect-metadata';
import { getIntrospectionQuery, parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { createApp } from '../src/server/app';
import { LOGIN_LIMITS, LoginThrottle } from '../src/access/login-throttle';
import { MAX_COMPLEXITY, MAX_DEPTH } from '../src/shared/query-limits';
import * as ops from './generated/graphql';
import { expectError, expectOk } from './support/expect';
import { redisAnswers } from './support/server-process';
import { Role, startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let viewer: Client;
beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.as(Role.VIEWER, 'KEMNAKER');
});
afterAll(() => t.close());

describe('query limits', () => {
  it("GraphiQL's introspection query passes the limits", async () => {
    const res = await viewer.raw(getIntrospectionQuery());
    expect(res.errors).toBeUndefined();
  });

  it('refuses a query nested deeper than the limit before running it', async () => {
    let q = 'id';
    for (let i = 0; i < MAX_DEPTH; i++) q = `ministry { ${q} }`;
    const res = await viewer.raw(`{ viewer { ${q} } }`);
    expectError(res, 'GRAPHQL_VALIDATION_FAILED');
    expect(res.statements).toBe(0);
  });

  it('refuses an operation whose lists multiply beyond the cost limit, before any SQL, every time it is sent', async () => {
    // Apollo hands the same parsed document for the same text, and a document without variables is priced once:
    // the second and third sending must be refused all the same.
    const source = '{ institutions(first: 1000) { edges { node { programs(first: 1000) { edges { node { enrollments(first: 1000) { totalCount } } } } } } } }';
    for (let i = 0; i < 3; i++) {
      const res = await viewer.raw(source);
      expectError(res, 'BAD_USER_INPUT');
      expect(res.errors![0].extensions).toMatchObject({ maximumComplexity: MAX_COMPLEXITY });
      expect(res.statements).toBe(0);
    }
  });

  it('prices a document with variables by the values of its page sizes and conditions, whatever its other variables', async () => {
    // The same text, so the same parsed document: priced by $first and $deep, not by $name.
    const source = `query($first: Int!, $name: String, $deep: Boolean!) {
      institutions(first: $first, filter: { search: $name }) { edges { node { id programs(first: 1000) @include(if: $deep) { edges { node { enrollments(first: 1000) { totalCount } } } } } } } }`;
    const cheap = { first: 1, deep: false };
    expectOk(await viewer.raw(source, { ...cheap, name: 'a' }));
    expectOk(await viewer.raw(source, { ...cheap, name: 'b' }));
    for (const refused of [
      { first: 1000, deep: true, name: 'a' },
      { first: 1, deep: true, name: 'a' },
    ]) {
      const res = await viewer.raw(source, refused);
      expectError(res, 'BAD_USER_INPUT');
      expect(res.errors![0].extensions).toMatchObject({ maximumComplexity: MAX_COMPLEXITY });
      expect(res.statements).toBe(0);
    }
    // Already priced for these page sizes, a variable of the wrong type is still refused, and nothing runs.
    const wrong = await viewer.raw(source, { ...cheap, name: { not: 'a string' } });
    expectError(wrong, 'BAD_USER_INPUT');
    expect(wrong.statements).toBe(0);
  });

  it('admits the large but bounded queries clients use (1,000 trainees with their fields)', async () => {
    expectOk(await viewer.exec(ops.TraineesDocument, { first: 1000 }));
    expectOk(await viewer.exec(ops.InstitutionsWithProgramsDocument, { first: 50, programs: 3 }));
  });
});

describe('failed logins protect users instead of locking them out', () => {
  it('10 failures from one address refuse that account from that address only: its owner elsewhere still logs in', async () => {
    const victim = await t.as(Role.EDITOR, 'KEMNAKER');
    const email = victim.account!.email;
    const attacker = t.from('203.0.113.7');
    for (let i = 0; i < 10; i++) expectError(await attacker.exec(ops.LoginDocument, { email, password: `wrong-${i}` }), 'UNAUTHENTICATED');
    expectError(await attacker.exec(ops.LoginDocument, { email, password: TEST_PASSWORD }), 'TOO_MANY_REQUESTS');
    expectOk(await t.from('198.51.100.20').exec(ops.LoginDocument, { email, password: TEST_PASSWORD }));
    expectOk(await attacker.exec(ops.LoginDocument, { email: viewer.account!.email, password: TEST_PASSWORD }));
    // Unknown addresses are counted the same way: a refusal says nothing about whether an account exists.
    const prober = t.from('203.0.113.8');
    for (let i = 0; i < 10; i++) await prober.exec(ops.LoginDocument, { email: 'nobody@nowhere.test', password: 'x' });
    expectError(await prober.exec(ops.LoginDocument, { email: 'nobody@nowhere.test', password: 'x' }), 'TOO_MANY_REQUESTS');
  });

  it('a successful login clears the count of its pair', async () => {
    const user = await t.as(Role.VIEWER, 'KEMNAKER');
    const from = t.from('203.0.113.9');
    for (let i = 0; i < 9; i++) await from.exec(ops.LoginDocument, { email: user.account!.email, password: 'wrong' });
    expectOk(await from.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD }));
    for (let i = 0; i < 9; i++) await from.exec(ops.LoginDocument, { email: user.account!.email, password: 'wrong' });
    expectOk(await from.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD }));
  });

  it('spraying one password over many accounts from one address is refused after 30 failures', async () => {
    const sprayer = t.from('203.0.113.10');
    for (let i = 0; i < LOGIN_LIMITS.perAddress.free; i++)
      expectError(await sprayer.exec(ops.LoginDocument, { email: `person${i}@spray.test`, password: 'Password123!' }), 'UNAUTHENTICATED');
    expectError(await sprayer.exec(ops.LoginDocument, { email: viewer.account!.email, password: TEST_PASSWORD }), 'TOO_MANY_REQUESTS');
    expectOk(await t.from('203.0.113.11').exec(ops.LoginDocument, { email: viewer.account!.email, password: TEST_PASSWORD }));
  });

  it('an e-mail longer than any real one is refused before any lookup', async () => {
    const res = await t.from('203.0.113.12').exec(ops.LoginDocument, { email: `${'a'.repeat(250)}@x.test`, password: 'x' });
    expectError(res, 'BAD_USER_INPUT', 'email');
    expect(res.sql.filter((q) => /sinergi_login/.test(q))).toEqual([]);
  });

  it('past the global rate of failures, every failure is answered late', async () => {
    const throttle = new LoginThrottle(null, 'test', { ...LOGIN_LIMITS, global: { points: 3, duration: 60, delayMs: 300 } });
    const delays = [];
    for (let i = 0; i < 5; i++) delays.push(await throttle.failed({ email: `u${i}@x.test`, address: `10.1.0.${i}`, device: null }));
    expect(delays).toEqual([0, 0, 0, 300, 300]);
  });

  it('delays grow with each failure past the free ones (1 s, 2 s, 4 s …), said with Retry-After, and end by themselves', async () => {
    const throttle = new LoginThrottle(null, 'test-progressive', { ...LOGIN_LIMITS, perAccountAndAddress: { free: 2, window: 60, maxDelay: 4 } });
    const attempt = { email: 'slow@x.test', address: '10.2.0.1', device: null };
    const retryAfter = async () =>
      ((await throttle.check(attempt).catch((e: { extensions: { retryAfter: number } }) => e)) as { extensions?: { retryAfter: number } })?.extensions
        ?.retryAfter;
    await throttle.failed(attempt);
    expect(await retryAfter()).toBeUndefined();
    await throttle.failed(attempt);
    expect(await retryAfter()).toBe(1);
    await throttle.failed(attempt);
    expect(await retryAfter()).toBe(2);
    await throttle.failed(attempt);
    expect(await retryAfter()).toBe(4);
    await throttle.failed(attempt);
    expect(await retryAfter()).toBe(4); // capped
    await new Promise((r) => setTimeout(r, 4_100));
    expect(await retryAfter()).toBeUndefined();
  });

  it('a known device logs in with the right password though its network address is flooded with failures (no NAT lock-out)', async () => {
    const user = await t.as(Role.VIEWER, 'KEMNAKER');
    const office = t.from('203.0.113.40');
    // The user has logged in from this office before, and kept its device token.
    const first = expectOk(await office.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD })).login;
    expect(first.deviceToken).toEqual(expect.any(String));
    // A guesser behind the same NAT sprays one password over many accounts until the address waits out a delay.
    for (let i = 0; i < LOGIN_LIMITS.perAddress.free; i++)
      expectError(await office.exec(ops.LoginDocument, { email: `someone${i}@spray.test`, password: 'Password123!' }), 'UNAUTHENTICATED');
    expectError(await office.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD }), 'TOO_MANY_REQUESTS');
    // With its device token, the user is not held up; the token is this account's only.
    expectOk(await office.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD, deviceToken: first.deviceToken }));
    expectError(
      await office.exec(ops.LoginDocument, { email: viewer.account!.email, password: TEST_PASSWORD, deviceToken: first.deviceToken }),
      'TOO_MANY_REQUESTS',
    );
    // Bad input: no device token is that long.
    expectError(
      await office.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD, deviceToken: 'x'.repeat(5000) }),
      'BAD_USER_INPUT',
      'deviceToken',
    );
    // A forged token is no device at all.
    expectError(
      await office.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD, deviceToken: `${first.deviceToken!.slice(0, -3)}AAA` }),
      'TOO_MANY_REQUESTS',
    );
    // Guessing with the device token is counted on the device's own key: it slows itself down, nobody else.
    for (let i = 0; i < LOGIN_LIMITS.perDevice.free; i++)
      expectError(
        await office.exec(ops.LoginDocument, { email: user.account!.email, password: `wrong-${i}`, deviceToken: first.deviceToken }),
        'UNAUTHENTICATED',
      );
    expectError(
      await office.exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD, deviceToken: first.deviceToken }),
      'TOO_MANY_REQUESTS',
    );
    expectOk(await t.from('198.51.100.41').exec(ops.LoginDocument, { email: user.account!.email, password: TEST_PASSWORD }));
  });
});

describe('with REDIS_URL, several processes share the counts', () => {
  const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  let available = false;
  beforeAll(async () => {
    available = await redisAnswers(redisUrl);
    if (!available) console.log(`login throttling in Redis: skipped, no Redis at ${redisUrl}`);
  });

  it('failures counted by one server refuse the pair at another', async (ctx) => {
    if (!available) return ctx.skip();
    const prefix = `sinergi-test-${randomBytes(4).toString('hex')}`;
    const config = { ...t.config, redisUrl, redisPrefix: prefix };
    const [a, b] = await Promise.all([
      createApp({ orm: t.orm, config, log: pino({ level: 'silent' }) }),
      createApp({ orm: t.orm, config, log: pino({ level: 'silent' }) }),
    ]);
    try {
      const run = async (app: typeof a, password: string) => {
        const res = await app.apollo.executeOperation(
          { query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: viewer.account!.email, p: password } },
          { contextValue: await app.context(null, undefined, '192.0.2.50') },
        );
        return res.body.kind === 'single' ? (res.body.singleResult.errors?.[0]?.extensions?.code ?? 'OK') : 'OK';
      };
      for (let i = 0; i < 10; i++) expect(await run(i % 2 ? a : b, 'wrong')).toBe('UNAUTHENTICATED');
      expect(await run(a, TEST_PASSWORD)).toBe('TOO_MANY_REQUESTS');
      expect(await run(b, TEST_PASSWORD)).toBe('TOO_MANY_REQUESTS');
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
