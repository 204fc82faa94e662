/**
 * Sessions and their tokens: a short-lived access token and a refresh token
 * per login, `refreshToken` while the session lasts, `logout` ending it at
 * once, and an UNAUTHENTICATED answer that says why (no token, a malformed
 * one, an expired one, or a session that has ended).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import vm from 'node:vm';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/server/app';
import { graphiqlPage } from '../src/server/graphiql';
import { Role } from '../src/access/roles';
import { TokenService } from '../src/access/tokens';
import { expectError, expectOk } from './support/expect';
import { startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let viewer: Client;

beforeAll(async () => {
  t = await startTestApp();
  viewer = await t.as(Role.VIEWER, 'KESDM');
});
afterAll(async () => t?.close());

const LOGIN = 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token expiresAt refreshToken account { email } } }';
const REFRESH = 'mutation($r: String!) { refreshToken(refreshToken: $r) { token expiresAt refreshToken account { email role } } }';
const VIEWER_Q = '{ viewer { email } }';
const INSTITUTIONS = '{ institutions(first: 1) { totalCount } }';

async function login(client: Client = viewer) {
  const res = await t.anonymous().raw(LOGIN, { e: client.account!.email, p: TEST_PASSWORD });
  return expectOk(res).login as { token: string; expiresAt: string; refreshToken: string; account: { email: string } };
}

const reasonOf = (res: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.reason;

describe('login', () => {
  it('answers an access token that expires in an hour, and a refresh token for the session', async () => {
    const before = Date.now();
    const session = await login();
    const minutes = (Date.parse(session.expiresAt) - before) / 60_000;
    expect(minutes).toBeGreaterThan(59.9);
    expect(minutes).toBeLessThan(60.1);
    expect(session.refreshToken).not.toBe(session.token);
    expect(expectOk(await t.withToken(session.token).raw(VIEWER_Q)).viewer).toEqual({ email: viewer.account!.email });
  });

  it('a refresh token is not an access token: sent as one, it is refused as invalid', async () => {
    const session = await login();
    const res = await t.withToken(session.refreshToken).raw(INSTITUTIONS);
    expectError(res, 'UNAUTHENTICATED');
    expect(reasonOf(res)).toBe('INVALID_TOKEN');
  });
});

describe('refreshToken', () => {
  it('exchanges a refresh token for a new access token, with the role as it is now', async () => {
    const session = await login();
    const res = expectOk(await t.anonymous().raw(REFRESH, { r: session.refreshToken })).refreshToken;
    expect(res.account).toEqual({ email: viewer.account!.email, role: 'VIEWER' });
    expect(res.refreshToken).not.toBe(session.refreshToken);
    expect(expectOk(await t.withToken(res.token).raw(VIEWER_Q)).viewer).toEqual({ email: viewer.account!.email });
  });

  it('rotates: each refresh token is good once, and a replayed one ends the session for everyone holding it (RFC 9700)', async () => {
    const session = await login();
    const first = expectOk(await t.anonymous().raw(REFRESH, { r: session.refreshToken })).refreshToken;
    const second = expectOk(await t.anonymous().raw(REFRESH, { r: first.refreshToken })).refreshToken;
    expect(new Set([session.refreshToken, first.refreshToken, second.refreshToken]).size).toBe(3);
    expect(expectOk(await t.withToken(second.token).raw(VIEWER_Q)).viewer).toEqual({ email: viewer.account!.email });
    // A thief replays the first refresh token after its holder has used it: refused, and the session ends.
    expect(reasonOf(await t.anonymous().raw(REFRESH, { r: first.refreshToken }))).toBe('SESSION_ENDED');
    expect(reasonOf(await t.withToken(second.token).raw(VIEWER_Q))).toBe('SESSION_ENDED');
    expect(reasonOf(await t.anonymous().raw(REFRESH, { r: second.refreshToken }))).toBe('SESSION_ENDED');
    // The same holds when the replay travels with a mutation that fails: the end of the session is not rolled back.
    const other = await login();
    const renewed = expectOk(await t.anonymous().raw(REFRESH, { r: other.refreshToken })).refreshToken;
    const replay = await t
      .anonymous()
      .raw('mutation($r: String!) { a: refreshToken(refreshToken: $r) { token } b: logout(refreshToken: "not-a-token") }', { r: other.refreshToken });
    expect(replay.errors?.length).toBeGreaterThan(0);
    expect(reasonOf(await t.withToken(renewed.token).raw(VIEWER_Q))).toBe('SESSION_ENDED');
  });

  it('refuses an access token in place of a refresh token, and a forged or malformed one', async () => {
    const session = await login();
    for (const bad of [session.token, `${session.refreshToken.slice(0, -3)}AAA`, 'not-a-token']) {
      const res = await t.anonymous().raw(REFRESH, { r: bad });
      expectError(res, 'UNAUTHENTICATED');
      expect(reasonOf(res)).toBe('INVALID_TOKEN');
    }
  });

  it('bad input: a refresh token far too long to be one', async () => {
    expectError(await t.anonymous().raw(REFRESH, { r: 'x'.repeat(5000) }), 'BAD_USER_INPUT', 'refreshToken');
  });

  it('FORBIDDEN is not a case: the refresh token is the right to the session; a locked account gets UNAUTHENTICATED', async () => {
    const other = await t.as(Role.EDITOR, 'KESDM');
    const session = await login(other);
    await t.em().getConnection().execute('update account set active = false where id = ?', [other.account!.id]);
    const res = await t.anonymous().raw(REFRESH, { r: session.refreshToken });
    expectError(res, 'UNAUTHENTICATED');
    expect(reasonOf(res)).toBe('SESSION_ENDED');
  });
});

describe('logout', () => {
  it("ends the caller's own session: its access token and its refresh token are refused from then on", async () => {
    const session = await login();
    expect(expectOk(await t.withToken(session.token).raw('mutation { logout }')).logout).toBe(true);
    const after = await t.withToken(session.token).raw(INSTITUTIONS);
    expectError(after, 'UNAUTHENTICATED');
    expect(reasonOf(after)).toBe('SESSION_ENDED');
    expect((after.errors?.[0] as { message: string }).message).toMatch(/session behind this token has ended/);
    expect(reasonOf(await t.anonymous().raw(REFRESH, { r: session.refreshToken }))).toBe('SESSION_ENDED');
    // Other sessions of the same account go on.
    expect(expectOk(await viewer.raw(VIEWER_Q)).viewer).toBeTruthy();
  });

  it('ends the session of a refresh token, for a client whose access token has expired', async () => {
    const session = await login();
    expect(expectOk(await t.anonymous().raw('mutation($r: String) { logout(refreshToken: $r) }', { r: session.refreshToken })).logout).toBe(true);
    expect(reasonOf(await t.withToken(session.token).raw(INSTITUTIONS))).toBe('SESSION_ENDED');
    // A second time: nothing left to end.
    expect(expectOk(await t.anonymous().raw('mutation($r: String) { logout(refreshToken: $r) }', { r: session.refreshToken })).logout).toBe(false);
  });

  it('UNAUTHENTICATED without a token or a refresh token; bad input for a refresh token far too long', async () => {
    const res = await t.anonymous().raw('mutation { logout }');
    expectError(res, 'UNAUTHENTICATED');
    expect(reasonOf(res)).toBe('MISSING_TOKEN');
    expectError(await t.anonymous().raw('mutation($r: String) { logout(refreshToken: $r) }', { r: 'x'.repeat(5000) }), 'BAD_USER_INPUT', 'refreshToken');
  });

  it("FORBIDDEN is not a case either: a forged refresh token ends nobody's session", async () => {
    const session = await login();
    const forged = `${session.refreshToken.slice(0, -3)}AAA`;
    const res = await t.anonymous().raw('mutation($r: String) { logout(refreshToken: $r) }', { r: forged });
    expect(reasonOf(res)).toBe('INVALID_TOKEN');
    expect(expectOk(await t.withToken(session.token).raw(VIEWER_Q)).viewer).toBeTruthy();
  });
});

describe('UNAUTHENTICATED says why', () => {
  it('no token, a malformed token, a token signed elsewhere, an expired token', async () => {
    const missing = await t.anonymous().raw(INSTITUTIONS);
    expect(reasonOf(missing)).toBe('MISSING_TOKEN');
    expect((missing.errors?.[0] as { message: string }).message).toMatch(/^Log in first/);
    const elsewhere = await new TokenService('another-server-key-'.repeat(3), '1h').sign({
      accountId: viewer.account!.id,
      ministryId: null,
      role: Role.VIEWER,
      sessionId: '0190a5b4-0000-7000-8000-000000000001',
      secret: 's',
    });
    for (const token of ['garbage', 'a.b.c', elsewhere]) {
      const res = await t.withToken(token).raw(INSTITUTIONS);
      expect(reasonOf(res)).toBe('INVALID_TOKEN');
      expect((res.errors?.[0] as { message: string }).message).toMatch(/malformed or was not signed by this server/);
    }
    // The same database and settings, with access tokens that last a second.
    const app: App = await createApp({ orm: t.orm, config: { ...t.config, accessTokenTtl: '1s' }, log: pino({ level: 'silent' }) });
    try {
      const logged = await app.apollo.executeOperation(
        { query: LOGIN, variables: { e: viewer.account!.email, p: TEST_PASSWORD } },
        { contextValue: await app.context(null) },
      );
      const { token } = (logged.body.kind === 'single' ? logged.body.singleResult.data?.login : null) as { token: string };
      await new Promise((r) => setTimeout(r, 2100));
      const res = await app.apollo.executeOperation({ query: INSTITUTIONS }, { contextValue: await app.context(`Bearer ${token}`) });
      const errors = res.body.kind === 'single' ? res.body.singleResult.errors : undefined;
      expect(errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', reason: 'TOKEN_EXPIRED' });
      expect(errors?.[0]?.message).toMatch(/expired: get a new one with refreshToken/);
    } finally {
      await app.stop();
    }
  });
});

describe("GraphiQL's bar", () => {
  /** The page's own script, run against a server whose access tokens last 30 s, with a browser's globals stubbed. */
  async function page() {
    const app = await createApp({ orm: t.orm, config: { ...t.config, accessTokenTtl: '30s' }, log: pino({ level: 'silent' }) });
    const server = http.createServer(app.handle);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const html = graphiqlPage(null);
    const script = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]).join('\n');
    const elements = new Map<string, Record<string, any>>();
    const element = (id: string) => {
      if (!elements.has(id))
        elements.set(id, {
          id,
          value: '',
          textContent: '',
          listeners: {} as Record<string, (e: unknown) => unknown>,
          addEventListener(type: string, fn: (e: unknown) => unknown) {
            this.listeners[type] = fn;
          },
        });
      return elements.get(id)!;
    };
    const store = new Map<string, string>();
    const requests: string[] = [];
    let props: { fetcher: (p: unknown) => Promise<any> } | undefined;
    const sandbox = {
      document: { getElementById: element },
      localStorage: {
        getItem: (k: string) => store.get(k) ?? null,
        setItem: (k: string, v: string) => void store.set(k, v),
        removeItem: (k: string) => void store.delete(k),
      },
      fetch: (url: string, init: RequestInit) => {
        requests.push(JSON.parse(String(init.body)).query);
        return fetch(base + url, init);
      },
      atob: (s: string) => Buffer.from(s, 'base64').toString('binary'),
      React: { createElement: (_c: unknown, p: typeof props) => (props = p) },
      ReactDOM: { createRoot: () => ({ render: () => undefined }) },
      GraphiQL: {},
      Date,
      JSON,
      Object,
    };
    vm.runInNewContext(script, sandbox);
    return { element, store, requests, fetcher: () => props!.fetcher, close: async () => (server.close(), app.stop()) };
  }

  it('logs in, renews the access token before it expires without the user noticing, and logs out on the server', async () => {
    const p = await page();
    try {
      p.element('email').value = viewer.account!.email;
      p.element('password').value = TEST_PASSWORD;
      await p.element('login').listeners.submit({ preventDefault: () => undefined });
      const first = p.store.get('sinergi.token');
      const refresh = p.store.get('sinergi.refresh');
      expect(first).toBeTruthy();
      expect(refresh).toBeTruthy();
      // The token expires within a minute: the next query renews it first, then runs.
      await new Promise((r) => setTimeout(r, 1100));
      const answer = await p.fetcher()({ query: VIEWER_Q });
      expect(answer.data.viewer).toEqual({ email: viewer.account!.email });
      expect(p.requests.some((q) => q.includes('refreshToken('))).toBe(true);
      expect(p.store.get('sinergi.token')).not.toBe(first);
      // Log out: the session ends on the server, not only in the page.
      await p.element('logout').onclick();
      expect(p.store.has('sinergi.token')).toBe(false);
      expect(reasonOf(await t.anonymous().raw(REFRESH, { r: refresh }))).toBe('SESSION_ENDED');
    } finally {
      await p.close();
    }
  });
});
