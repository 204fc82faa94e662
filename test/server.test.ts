/**
 * `npm start` end to end, as a new user runs it: the compiled build (`npm run
 * build`, then plain `node dist/src/server/server.js`, as `npm start` does) with no
 * DATABASE_URL, so the server starts its embedded PostgreSQL in a fresh data
 * folder, migrates (from `dist/migrations`), loads the demo data, prints the
 * demo accounts, and serves GraphiQL, GraphQL over HTTP and health checks.
 * Also the production guards.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigner } from '../src/modules/audit/log/note';

const root = path.resolve(__dirname, '..');
const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'sinergi-start-'));
// mkdtemp makes it 0700; open it so that, run as root, PostgreSQL's own user can reach it.
chmodSync(dataDir, 0o755);

const STRONG_A = randomBytes(32).toString('base64');
const STRONG_B = randomBytes(32).toString('hex');
const LOG_KEY = generateSigner('sinergi.test/audit-log').secret;

interface Started {
  child: ChildProcess;
  out: string;
  url: string;
}

function start(env: Record<string, string>): Promise<Started> {
  return new Promise((resolve, reject) => {
    const { DATABASE_URL: _ignored, ...base } = process.env;
    const child = spawn(process.execPath, ['dist/src/server/server.js'], {
      cwd: root,
      env: { ...base, NODE_ENV: 'development', PORT: '0', SINERGI_DATA_DIR: dataDir, LOG_LEVEL: 'warn', ...env },
    });
    let out = '';
    const onData = (c: Buffer) => {
      out += c.toString();
      const m = /Graphi?QL at (http:\/\/\S+)\/graphql/.exec(out);
      if (m) resolve({ child, out, url: m[1] });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(Object.assign(new Error(`exited ${code}: ${out}`), { code, out })));
  });
}

const stop = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });

/** A port nobody listens on now, for the metrics listener. */
const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

let server: Started;
let metricsPort: number;
beforeAll(async () => {
  // What `npm run build` runs (incremental: quick when nothing changed).
  execFileSync(tsc, ['-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
  metricsPort = await freePort();
  server = await start({ METRICS_PORT: String(metricsPort) });
}, 180_000);
afterAll(async () => {
  if (server) await stop(server.child);
  rmSync(dataDir, { recursive: true, force: true });
});

const gql = async (query: string, variables?: object, token?: string) => {
  const res = await fetch(`${server.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: any[] } };
};

describe('npm start on a fresh data folder', () => {
  it('prints the demo accounts and the password', () => {
    expect(server.out).toContain('editor@<code>.demo');
    expect(server.out).toContain('auditor@audit.demo');
    expect(server.out).toMatch(/password "[^"]+"/);
  });

  it('answers login and viewer for demo accounts over HTTP with a Bearer token', async () => {
    const password = /password "([^"]+)"/.exec(server.out)![1];
    for (const [email, role, code] of [
      ['editor@kp2mi.demo', 'EDITOR', 'KP2MI'],
      ['viewer@kemenperin.demo', 'VIEWER', 'KEMENPERIN'],
      ['admin@platform.demo', 'PLATFORM_ADMIN', null],
    ] as const) {
      const login = await gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: email, p: password });
      expect(login.body.errors).toBeUndefined();
      const viewer = await gql('{ viewer { email role ministry { code } } }', undefined, login.body.data.login.token);
      expect(viewer.body.data.viewer).toEqual({ email, role, ministry: code ? { code } : null });
    }
  });

  it("serves demo data in the caller's scope only", async () => {
    const password = /password "([^"]+)"/.exec(server.out)![1];
    const { body } = await gql('mutation($p: String!) { login(email: "viewer@kesdm.demo", password: $p) { token } }', { p: password });
    const res = await gql('{ institutions(first: 50) { totalCount edges { node { ownerMinistry { code } } } } }', undefined, body.data.login.token);
    expect(res.body.data.institutions.totalCount).toBe(7);
    expect(new Set(res.body.data.institutions.edges.map((e: any) => e.node.ownerMinistry.code))).toEqual(new Set(['KESDM']));
  });

  it('serves GraphiQL and its assets from the server itself, with no CDN', async () => {
    const page = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('GraphiQL');
    const srcs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(srcs.length).toBeGreaterThanOrEqual(4);
    for (const src of srcs) {
      expect(src.startsWith('/')).toBe(true);
      expect((await fetch(`${server.url}${src}`)).status).toBe(200);
    }
  });

  it('has health and readiness endpoints', async () => {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
  });

  it('serves Prometheus metrics on METRICS_PORT only, never on the public port', async () => {
    await gql('query Viewer { viewer { email } }');
    const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toMatch(/^sinergi_graphql_request_duration_seconds_count\{operation="Viewer",type="query"\} [1-9]/m);
    expect(text).toMatch(/^sinergi_db_pool_connections\{pool="primary",state="idle"\} \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/graphql`)).status).toBe(404);
    expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
  });

  it('refuses GET mutations and malformed bodies without a stack trace', async () => {
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('mutation { login(email: "a", password: "b") { token } }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(get.status).toBe(405);
    const bad = await fetch(`${server.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).not.toMatch(/at .*\.(ts|js):\d+/);
  });

  it('shuts down cleanly on SIGTERM and restarts on the same data without reloading the demo', async () => {
    expect(await stop(server.child)).toBe(0);
    server = await start({});
    expect(server.out).not.toContain('demo data loaded');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  }, 60_000);
});

describe('database faults', () => {
  const token = async () => {
    const password = /password "([^"]+)"/.exec(server.out)![1];
    return (await gql('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: 'viewer@kp2mi.demo', p: password })).body.data
      .login.token as string;
  };

  it('a second npm start on a data folder in use refuses with a clear message and leaves the first untouched', async () => {
    await expect(start({})).rejects.toMatchObject({ code: 1, out: expect.stringContaining('already running') });
    const t = await token();
    expect((await gql('{ viewer { email } }', undefined, t)).body.data.viewer.email).toBe('viewer@kp2mi.demo');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  }, 60_000);

  it('when PostgreSQL dies, requests get 503 with Retry-After, and the server recovers by itself', async () => {
    const t = await token();
    const pid = Number(readFileSync(path.join(dataDir, 'postgres', 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]);
    process.kill(pid, 'SIGKILL');
    const seen: number[] = [];
    const deadline = Date.now() + 45_000;
    for (;;) {
      const ready = await fetch(`${server.url}/readyz`);
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t}` },
        body: JSON.stringify({ query: '{ viewer { email } }' }),
      });
      const body = (await res.json()) as { data?: { viewer: { email: string } }; errors?: { extensions: { code: string } }[] };
      seen.push(res.status, ready.status);
      if (res.status === 503) {
        expect(body.errors?.[0].extensions.code).toBe('SERVICE_UNAVAILABLE');
        expect(res.headers.get('retry-after')).toBe('5');
      }
      if (res.status === 200 && body.data?.viewer.email === 'viewer@kp2mi.demo' && ready.status === 200) break;
      expect(Date.now(), `still down: ${seen.join(',')}`).toBeLessThan(deadline);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(seen).toContain(503);
    expect(seen.every((s) => s === 200 || s === 503)).toBe(true);
  }, 60_000);
});

describe('production guards', () => {
  it('refuses to start with the default token secret', async () => {
    await expect(start({ NODE_ENV: 'production' })).rejects.toMatchObject({ code: 1, out: expect.stringContaining('JWT_SECRET') });
  }, 60_000);

  it('refuses to start with the default audit key or with demo accounts in the database', async () => {
    await stop(server.child);
    await expect(start({ NODE_ENV: 'production', JWT_SECRET: STRONG_A })).rejects.toMatchObject({ code: 1, out: expect.stringContaining('AUDIT_KEY') });
    // Without the audit log's signing key, it says so and starts nothing.
    await expect(start({ NODE_ENV: 'production', JWT_SECRET: STRONG_A, AUDIT_KEY: STRONG_B })).rejects.toMatchObject({
      code: 1,
      out: expect.stringContaining('AUDIT_LOG_KEY'),
    });
    await expect(start({ NODE_ENV: 'production', JWT_SECRET: STRONG_A, AUDIT_KEY: STRONG_B, AUDIT_LOG_KEY: LOG_KEY })).rejects.toMatchObject({
      code: 1,
      out: expect.stringContaining('demo accounts'),
    });
  });

  it('refuses to start with an audit key other than the one that started the audit chain', async () => {
    await stop(server.child);
    // The development key wrote this database's events; any other would leave the chain invalid for good.
    await expect(start({ SEED_DEMO: 'false', AUDIT_KEY: STRONG_B })).rejects.toMatchObject({
      code: 1,
      out: expect.stringContaining('AUDIT_KEY is not the key'),
    });
  }, 60_000);

  it('refuses weak or shared keys: JWT_SECRET=x and AUDIT_KEY=y, or one key for both', async () => {
    await expect(start({ NODE_ENV: 'production', JWT_SECRET: 'x', AUDIT_KEY: 'y' })).rejects.toMatchObject({
      code: 1,
      out: expect.stringContaining('at least 256 bits'),
    });
    await expect(start({ NODE_ENV: 'production', JWT_SECRET: STRONG_A, AUDIT_KEY: STRONG_A })).rejects.toMatchObject({
      code: 1,
      out: expect.stringContaining('must differ'),
    });
  }, 60_000);
});
