/**
 * Read replicas (DATABASE_REPLICA_URLS, db/replicas.ts), on a real primary and
 * a real streaming replica: the embedded PostgreSQL's binaries, the replica
 * made from a clean copy of the stopped primary with `standby.signal` and
 * `primary_conninfo` (what pg_basebackup -R writes). A server process on both
 * sends each request where it belongs, and the test asks the servers
 * themselves (pg_stat_activity, pg_stat_database) which one answered.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureDatabase, openDatabase } from '../src/startup/database';
import { startEmbeddedPostgres, type EmbeddedCluster } from '../src/db/embedded-postgres';
import { DEMO_PASSWORD, seedDemo, seedReference } from '../src/seed/demo';
import { startServerProcess, type ServerProcess } from './support/server-process';

const PIN_SECONDS = 2;
const base = mkdtempSync(path.join(os.tmpdir(), 'sinergi-replicas-'));
chmodSync(base, 0o755);
let primary: EmbeddedCluster;
let replica: EmbeddedCluster;
let server: ServerProcess;

beforeAll(async () => {
  primary = await startEmbeddedPostgres({ dataDir: path.join(base, 'primary'), supervise: false });
  await ensureDatabase(primary.url('postgres'), 'sinergi');
  const db = await openDatabase({ databaseUrl: primary.url('sinergi'), dataDir: base });
  await seedReference(db.adminOrm);
  await seedDemo(db.adminOrm);
  await db.close();
  // A replica from a clean copy of the stopped primary: same system identifier, timeline and data.
  const port = primary.port;
  await primary.stop();
  const standbyDir = path.join(base, 'replica', 'pg');
  await fs.mkdir(path.dirname(standbyDir), { recursive: true, mode: 0o755 });
  await fs.cp(primary.dataDir, standbyDir, { recursive: true, verbatimSymlinks: true });
  await fs.rm(path.join(standbyDir, 'postmaster.pid'), { force: true });
  await fs.copyFile(path.join(path.dirname(primary.dataDir), 'password'), path.join(base, 'replica', 'password'));
  const password = (await fs.readFile(path.join(base, 'replica', 'password'), 'utf8')).trim();
  await fs.writeFile(path.join(standbyDir, 'standby.signal'), '');
  await fs.appendFile(
    path.join(standbyDir, 'postgresql.auto.conf'),
    `primary_conninfo = 'host=127.0.0.1 port=${port} user=postgres password=${password}'\nhot_standby = on\n`,
  );
  if (process.getuid?.() === 0) execFileSync('chown', ['-R', 'postgres:postgres', path.join(base, 'replica')]);
  primary = await startEmbeddedPostgres({ dataDir: path.join(base, 'primary'), port, supervise: false });
  replica = await startEmbeddedPostgres({ dataDir: path.join(base, 'replica'), supervise: false });
  server = await startServerProcess({
    DATABASE_URL: primary.url('sinergi'),
    DATABASE_REPLICA_URLS: `postgres://127.0.0.1:${replica.port}`,
    REPLICA_PIN_SECONDS: String(PIN_SECONDS),
    LOG_LEVEL: 'info',
  });
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await replica?.stop();
  await primary?.stop();
  rmSync(base, { recursive: true, force: true });
});

/** A statement on one server, as its owner. */
async function on<T>(cluster: EmbeddedCluster, sql: string): Promise<T[]> {
  const c = new Client({ connectionString: cluster.url('sinergi') });
  await c.connect();
  try {
    return (await c.query(sql)).rows as T[];
  } finally {
    await c.end();
  }
}

/** Transactions each server has committed in the API's database. */
const commits = async (cluster: EmbeddedCluster) =>
  Number((await on<{ n: string }>(cluster, "select xact_commit as n from pg_stat_database where datname = 'sinergi'"))[0].n);

async function request(body: unknown, token?: string) {
  const id = randomUUID();
  const res = await fetch(server.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-request-id': id, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const answer = (await res.json()) as { data?: Record<string, any>; errors?: { extensions?: { code?: string } }[] };
  return { ...answer, database: await databaseOf(id) };
}

/** Which database the server's access line says answered the request. */
async function databaseOf(requestId: string): Promise<string | undefined> {
  for (let i = 0; i < 50; i++) {
    const line = server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { requestId?: string; msg?: string; database?: string })
      .find((l) => l.requestId === requestId && l.msg === 'request');
    if (line) return line.database;
    await new Promise((r) => setTimeout(r, 20));
  }
  return undefined;
}

const login = async (email: string) =>
  (await request({ query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', variables: { e: email, p: DEMO_PASSWORD } })).data!
    .login.token as string;

const pinEnds = () => new Promise((r) => setTimeout(r, PIN_SECONDS * 1000 + 300));

describe('with a streaming replica', () => {
  it('the replica is a standby of the primary', async () => {
    expect((await on<{ r: boolean }>(replica, 'select pg_is_in_recovery() as r'))[0].r).toBe(true);
    expect((await on<{ r: boolean }>(primary, 'select pg_is_in_recovery() as r'))[0].r).toBe(false);
    expect(await on(primary, "select 1 from pg_stat_replication where state = 'streaming'")).toHaveLength(1);
  });

  it('queries that write nothing are answered by the replica', async () => {
    const token = await login('viewer@kesdm.demo');
    await pinEnds();
    const [replicaBefore, primaryBefore] = [await commits(replica), await commits(primary)];
    for (let i = 0; i < 10; i++) {
      const res = await request({ query: '{ institutions(first: 20) { totalCount edges { node { name ownerMinistry { code } } } } }' }, token);
      expect(res.errors).toBeUndefined();
      expect(res.data!.institutions.totalCount).toBe(7);
      expect(res.database).toBe('replica-0');
    }
    // The replica committed the ten read transactions (its statistics reach the view within a second or
    // so); the primary did not see them.
    for (let i = 0; i < 40 && (await commits(replica)) - replicaBefore < 10; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await commits(replica)) - replicaBefore).toBeGreaterThanOrEqual(10);
    expect((await commits(primary)) - primaryBefore).toBeLessThan(10);
    const sessions = await on<{ n: string }>(replica, "select count(*) as n from pg_stat_activity where usename = 'sinergi_app' and datname = 'sinergi'");
    expect(Number(sessions[0].n)).toBeGreaterThan(0);
  });

  it('mutations, and reads that log personal data, stay on the primary', async () => {
    const token = await login('editor@kp2mi.demo');
    await pinEnds();
    // A personal field: read in full under an MoU clause with personal data, it is logged, so the primary.
    const read = await request({ query: '{ trainees(first: 5) { edges { node { nik ownerMinistry { code } } } } }' }, token);
    expect(read.errors).toBeUndefined();
    expect(read.database).toBe('primary');
    const plain = await request({ query: '{ trainees(first: 5) { totalCount edges { node { fullName status } } } }' }, token);
    expect(plain.errors).toBeUndefined();
    expect(plain.database).toBe('replica-0');
    const sorted = await request({ query: '{ trainees(first: 5, orderBy: { field: BIRTH_DATE }) { totalCount } }' }, token);
    expect(sorted.database).toBe('primary');
    const created = await request(
      {
        query: 'mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id name } }',
        variables: { i: { name: 'Ditulis di primer', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 10 } },
      },
      token,
    );
    expect(created.errors).toBeUndefined();
    expect(created.database).toBe('primary');
  });

  it('a client that just wrote reads its write from the primary, and goes back to the replica once the pin ends', async () => {
    const token = await login('editor@kesdm.demo');
    await pinEnds();
    const name = `Baru ${randomUUID().slice(0, 8)}`;
    const created = await request(
      {
        query: 'mutation($i: CreateInstitutionInput!) { createInstitution(input: $i) { id } }',
        variables: { i: { name, type: 'TRAINING_CENTRE', provinceCode: '31', annualCapacity: 5 } },
      },
      token,
    );
    expect(created.database).toBe('primary');
    const id = created.data!.createInstitution.id as string;
    const readBack = await request({ query: 'query($id: ID!) { node(id: $id) { ... on Institution { name } } }', variables: { id } }, token);
    expect(readBack.database).toBe('primary');
    expect(readBack.data!.node).toEqual({ name });
    await pinEnds();
    const later = await request({ query: 'query($id: ID!) { node(id: $id) { ... on Institution { name } } }', variables: { id } }, token);
    expect(later.database).toBe('replica-0');
    expect(later.data!.node).toEqual({ name });
  });

  it('a replica that cannot be reached is skipped: the primary answers', async () => {
    const token = await login('viewer@kemenperin.demo');
    await pinEnds();
    await replica.stop();
    for (let i = 0; i < 3; i++) {
      const res = await request({ query: '{ institutions(first: 1) { totalCount } }' }, token);
      expect(res.errors).toBeUndefined();
      expect(res.database).toBe('primary');
    }
    // Tried once, then left alone for a while rather than tried by every request.
    expect(server.output().match(/replica unavailable/g)).toHaveLength(1);
  });
});
