/**
 * A server process whose every connection goes through a real PgBouncer in
 * transaction pooling, with fewer server connections than concurrent
 * requests: each request's identity and scope are transaction-local (set by
 * `sinergi_begin_request` inside its own transaction), so no request ever
 * runs with another's, whichever pooled connection it lands on. Skips, saying
 * why, where the `pgbouncer` binary is missing (Debian: apt install pgbouncer).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { appPassword, APP_ROLE } from '../src/db/app-role';
import { verifyChain } from '../src/modules/audit/audit.chain';
import * as f from './support/factories';
import { startTestApp, type Client as TestClient, type TestApp } from './support/test-app';
import { post, startServerProcess, type ServerProcess } from './support/server-process';

let binary = ['/usr/sbin/pgbouncer', '/usr/bin/pgbouncer', '/usr/local/bin/pgbouncer'].find(existsSync);
const POOL_SIZE = 3;
const MINISTRIES = ['KP2MI', 'KESDM', 'KEMENPERIN', 'KEMENKES'];

let t: TestApp;
let bouncer: ChildProcess | undefined;
let bouncerPort: number;
let server: ServerProcess;
let dir: string;
const editors = new Map<string, TestClient>();

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });

/**
 * PgBouncer refuses to run as root: as root it runs as the `postgres` OS user (the embedded PostgreSQL's, or
 * the system PostgreSQL's); null when there is none.
 */
function runAs(): { uid: number; gid: number } | undefined | null {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8', stdio: 'pipe' }).trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    return null;
  }
}

beforeAll(async () => {
  if (!binary) {
    console.log('PgBouncer: skipped, no pgbouncer binary (Debian: apt install pgbouncer)');
    return;
  }
  const user = runAs();
  if (user === null) {
    console.log('PgBouncer: skipped, it refuses to run as root and there is no postgres OS user to run it as');
    binary = undefined;
    return;
  }
  t = await startTestApp();
  const owner = new URL(t.databaseUrl);
  bouncerPort = await freePort();
  dir = mkdtempSync(path.join(os.tmpdir(), 'sinergi-pgbouncer-'));
  chmodSync(dir, 0o755);
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  // Test-only credentials on loopback: clients are trusted, and PgBouncer logs in to PostgreSQL with these.
  writeFileSync(
    path.join(dir, 'users.txt'),
    `${quote(decodeURIComponent(owner.username))} ${quote(decodeURIComponent(owner.password))}\n${quote(APP_ROLE)} ${quote(appPassword(t.databaseUrl))}\n`,
  );
  writeFileSync(
    path.join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${owner.hostname} port=${owner.port || 5432}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${bouncerPort}`,
      `unix_socket_dir =`,
      'auth_type = trust',
      `auth_file = ${path.join(dir, 'users.txt')}`,
      `admin_users = ${decodeURIComponent(owner.username)}`,
      'pool_mode = transaction',
      `default_pool_size = ${POOL_SIZE}`,
      'max_client_conn = 500',
      'ignore_startup_parameters = extra_float_digits,options',
    ].join('\n') + '\n',
  );
  chmodSync(path.join(dir, 'users.txt'), 0o644);
  bouncer = spawn(binary, [path.join(dir, 'pgbouncer.ini')], { ...user, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  bouncer.stdout?.on('data', (c) => (out += c));
  bouncer.stderr?.on('data', (c) => (out += c));
  for (let i = 0; ; i++) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(bouncerPort, '127.0.0.1', () => resolve(!!s.end()));
      s.on('error', () => resolve(false));
    });
    if (ok) break;
    if (i > 100 || bouncer.exitCode !== null) throw new Error(`PgBouncer did not start: ${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const through = (user: string, password: string) => {
    const u = new URL(t.databaseUrl);
    u.port = String(bouncerPort);
    u.username = user;
    u.password = password;
    return u.toString();
  };
  for (const code of MINISTRIES) {
    editors.set(code, await t.as(Role.EDITOR, code));
    const em = t.em();
    const ministry = await t.ministry(code);
    for (let i = 0; i < 3; i++) f.institution(em, ministry);
    await em.flush();
  }
  // Migrations, seeding and requests alike through PgBouncer; no prepared statements (PgBouncer 1.18 keeps none).
  server = await startServerProcess({
    DATABASE_URL: through(decodeURIComponent(owner.username), decodeURIComponent(owner.password)),
    DATABASE_APP_URL: through(APP_ROLE, appPassword(t.databaseUrl)),
    DATABASE_PREPARED_STATEMENTS: 'false',
    JWT_SECRET: t.config.jwtSecret,
    AUDIT_KEY: t.config.auditKey,
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  bouncer?.kill('SIGINT');
  await t?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** PgBouncer's admin console (simple protocol only): one SHOW command's rows. */
async function show(what: string): Promise<Record<string, string>[]> {
  const owner = new URL(t.databaseUrl);
  const admin = new Client({ host: '127.0.0.1', port: bouncerPort, user: decodeURIComponent(owner.username), database: 'pgbouncer' });
  await admin.connect();
  try {
    return (await admin.query(`show ${what}`)).rows;
  } finally {
    await admin.end();
  }
}

const LIST = '{ institutions(first: 100) { totalCount edges { node { ownerMinistry { code } } } } }';

describe('through PgBouncer in transaction pooling', () => {
  it(`serves ${MINISTRIES.length * 25} concurrent reads of four ministries on ${POOL_SIZE} server connections, each in its own scope`, async (ctx) => {
    if (!binary) return ctx.skip();
    const reads = await Promise.all(
      Array.from({ length: MINISTRIES.length * 25 }, async (_, i) => {
        const code = MINISTRIES[i % MINISTRIES.length];
        return { code, res: await post(server.url, { query: LIST }, editors.get(code)!.token) };
      }),
    );
    for (const { code, res } of reads) {
      expect(res.errors).toBeUndefined();
      const owners = new Set((res.data!.institutions.edges as { node: { ownerMinistry: { code: string } } }[]).map((e) => e.node.ownerMinistry.code));
      expect(owners).toEqual(new Set([code]));
    }
    const pools = (await show('pools')).filter((p) => p.database === new URL(t.databaseUrl).pathname.slice(1) && p.user === APP_ROLE);
    expect(pools).toHaveLength(1);
    // Never more server connections than the pool: the requests did share them.
    const servers = (await show('servers')).filter((s) => s.user === APP_ROLE);
    expect(servers.length).toBeLessThanOrEqual(POOL_SIZE);
    expect(servers.length).toBeGreaterThan(0);
  });

  it('runs concurrent mutations with their audit events, and the chain stays whole', async (ctx) => {
    if (!binary) return ctx.skip();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        post(
          server.url,
          {
            query: 'mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { ownerMinistry { code } } }',
            variables: { i: { name: `Through the bouncer ${i}`, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: i + 1 } },
          },
          editors.get(MINISTRIES[i % MINISTRIES.length])!.token,
        ),
      ),
    );
    results.forEach((r, i) => {
      expect(r.errors).toBeUndefined();
      expect(r.data!.createInstitution.ownerMinistry.code).toBe(MINISTRIES[i % MINISTRIES.length]);
    });
    // Each transaction that PgBouncer passed on counted: the mutations went through it.
    const stats = (await show('stats')).find((s) => s.database === new URL(t.databaseUrl).pathname.slice(1));
    expect(Number(stats?.total_xact_count)).toBeGreaterThanOrEqual(140);
    expect(await verifyChain(t.em(), t.config.auditKey)).toMatchObject({ valid: true, firstBadSeq: null });
  });

  it('an anonymous request between signed-in ones, on the same pooled connections, sees nothing', async (ctx) => {
    if (!binary) return ctx.skip();
    const mixed = await Promise.all(Array.from({ length: 30 }, (_, i) => post(server.url, { query: LIST }, i % 3 === 0 ? null : editors.get('KP2MI')!.token)));
    mixed.forEach((res, i) => {
      if (i % 3 === 0) expect(res.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      else expect(res.data!.institutions.totalCount).toBeGreaterThan(0);
    });
  });
});
