/**
 * `npm run bench:subscriptions` (issue 33): the `changes` subscription at 1,000 and 10,000 subscribers on one
 * server process while 100 writes per second flow, beside the same freshness by polling.
 *
 * The server runs in a process of its own (`src/server/server.ts` on a throw-away database with the demo
 * data), so its RSS and CPU are its own; this process holds the subscribers (10 subscriptions per WebSocket,
 * spread round-robin over every staff account of the 13 ministries, a third of them on every type and two
 * thirds on institutions only), the writers (the ministries' EDITORs renaming their own institutions, open
 * loop: one every 1000/WRITES ms whatever the answers do) and a light query sent one after another.
 *
 * Reported per phase: delivery latency p50/p99 (from the moment the write was sent, so it includes the
 * mutation's own time), deliveries per second, server RSS (peak), server CPU per delivered change, the light
 * query's p50/p99, and the database's time per second (`pg_stat_database.active_time` of the benchmark's
 * database: time spent executing statements). The polling phase has POLLERS clients each reading its first
 * page of institutions every second (what a client without subscriptions does for the same freshness); its
 * database time is set beside the subscription phase's at the same number of clients.
 *
 * Both the server and the clients share this machine's cores: the figures are what one box does, clients
 * included. Settings: SUBSCRIBERS (1000,10000), WRITES (100 per second), PHASE_SECONDS (10), POLLERS (1000),
 * SETTLE_MS (3000: from the last subscription to the measured phase), PROFILE (a directory for the server's CPU profile).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createClient, type Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { Client as PgClient } from 'pg';
import { DEMO_PASSWORD, seedDemo } from '../src/seed/demo';
import { toGlobalId } from '../src/shared/global-id';
import { benchDatabase, runMain } from './bench-support';

const SCALES = (process.env.SUBSCRIBERS ?? '1000,10000').split(',').map(Number);
const WRITES = Number(process.env.WRITES ?? 100);
const SECONDS = Number(process.env.PHASE_SECONDS ?? 10);
const POLLERS = Number(process.env.POLLERS ?? 1000);
const PER_SOCKET = 10;

const root = path.resolve(__dirname, '..');
const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHANGES = 'subscription($types: [String!]) { changes(types: $types) { id operation node { id ... on Institution { name } } } }';
const LIGHT = '{ viewer { email } }';
const POLL = '{ institutions(first: 20) { edges { node { id name } } } }';

/** The server: its URL, and its CPU seconds and RSS from /proc (Linux). */
function startServer(databaseUrl: string): Promise<{ url: string; child: ChildProcess; cpu(): number; rss(): number }> {
  return new Promise((resolve, reject) => {
    // PROFILE=<dir>: the server writes a CPU profile there when it stops.
    const profile = process.env.PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.PROFILE}`] : [];
    const child = spawn(process.execPath, [...profile, '--import', 'tsx', 'src/server/server.ts'], {
      cwd: root,
      env: {
        ...process.env,
        NODE_ENV: 'development',
        PORT: '0',
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
        DATABASE_URL: databaseUrl,
        JWT_SECRET: 'bench-subscriptions-secret',
        REDIS_URL: '',
        SUBSCRIPTIONS_PER_ACCOUNT: '1000000',
      },
    });
    let out = '';
    const ticks = () => {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks of 1/100 s
    };
    const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    child.stdout.on('data', (c) => {
      out += c;
      const m = /Graphi?QL at (\S+)/.exec(out);
      if (m) resolve({ url: m[1], child, cpu: ticks, rss });
    });
    child.stderr.on('data', (c) => (out += c));
    // Never left behind, whatever ends this process.
    process.on('exit', () => child.kill('SIGKILL'));
    child.on('exit', (code) => reject(new Error(`server exited ${code}: ${out}`)));
  });
}

async function post(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<{ data?: any; errors?: unknown[] }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as { data?: any; errors?: unknown[] };
}

async function main() {
  const name = `sinergi_subscriptions_${process.pid}`;
  const db = await benchDatabase(name);
  await seedDemo(db.owner);
  const conn = db.owner.em.getConnection();
  const accounts = await conn.execute<{ email: string; role: string; ministry: string; id: string }[]>(
    `select a.email, a.role::text as role, m.code as ministry, m.id from account a join ministry m on m.id = a.ministry_id
      where a.active and a.role in ('VIEWER', 'EDITOR', 'ADMIN') and a.email like '%.demo' order by m.code, a.role`,
  );
  const server = await startServer(db.url);
  const url = server.url;
  const tokens = new Map<string, string>();
  for (const a of accounts) {
    const r = await post(url, 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', { e: a.email, p: DEMO_PASSWORD });
    tokens.set(a.email, r.data.login.token);
  }
  const staff = accounts.map((a) => tokens.get(a.email)!);
  const ministries = new Set(accounts.map((a) => a.ministry));
  // Writers: each ministry's EDITOR, renaming its own institutions.
  const writers: { token: string; institutions: string[] }[] = [];
  for (const a of accounts.filter((x) => x.role === 'EDITOR')) {
    const token = tokens.get(a.email)!;
    const r = await post(
      url,
      'query($m: ID) { institutions(first: 50, filter: { ownerMinistryId: $m }) { edges { node { id } } } }',
      { m: toGlobalId('Ministry', a.id) },
      token,
    );
    const ids = (r.data?.institutions?.edges ?? []).map((e: { node: { id: string } }) => e.node.id);
    if (ids.length) writers.push({ token, institutions: ids });
  }
  console.log(
    `bench:subscriptions — ${accounts.length} staff accounts of ${ministries.size} ministries; ${writers.length} writers; ${WRITES} writes/s; ${SECONDS} s phases`,
  );

  const sentAt = new Map<number, number>();
  /** When each write's answer came: its commit was before. */
  const answeredAt = new Map<number, number>();
  const writeLatencies: number[] = [];
  let seq = 0;
  let writeErrors = 0;
  let writing: NodeJS.Timeout | null = null;
  const startWrites = () => {
    writing = setInterval(() => {
      const n = ++seq;
      const w = writers[n % writers.length];
      const id = w.institutions[Math.floor(n / writers.length) % w.institutions.length];
      sentAt.set(n, Date.now());
      post(url, 'mutation($id: ID!, $n: String!) { updateInstitution(input: { id: $id, name: $n }) { id } }', { id, n: `Bench ${n}` }, w.token)
        .then((r) => {
          if (r.errors) writeErrors++;
          answeredAt.set(n, Date.now());
          writeLatencies.push(Date.now() - sentAt.get(n)!);
        })
        .catch(() => writeErrors++);
    }, 1000 / WRITES);
  };
  const stopWrites = () => writing && clearInterval(writing);

  const dbTime = async () => {
    const pg = new PgClient({ connectionString: db.url });
    await pg.connect();
    await pg.query('select pg_stat_clear_snapshot()');
    const { rows } = await pg.query<{ t: number }>('select active_time as t from pg_stat_database where datname = current_database()');
    await pg.end();
    return Number(rows[0].t);
  };

  /** One phase of SECONDS: the light query's latencies, the database's and the server's time. */
  async function phase(extra: () => void = () => undefined) {
    const light: number[] = [];
    let rssPeak = server.rss();
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, server.rss())), 250);
    const [db0, cpu0, t0] = [await dbTime(), server.cpu(), Date.now()];
    extra();
    const end = t0 + SECONDS * 1000;
    while (Date.now() < end) {
      const s = performance.now();
      await post(url, LIGHT, {}, staff[0]);
      light.push(performance.now() - s);
      await sleep(20);
    }
    // Statistics reach pg_stat_database when each backend reports them (at most a second late).
    await sleep(1_200);
    const seconds = (Date.now() - t0) / 1000;
    const dbPerSecond = (await dbTime()) - db0;
    clearInterval(sampler);
    return { light, dbMsPerS: dbPerSecond / seconds, cpu: server.cpu() - cpu0, rssPeak, seconds };
  }

  const report: Record<string, unknown>[] = [];
  startWrites();
  await sleep(2_000);
  writeLatencies.length = 0;
  const base = await phase();
  const baseLine = {
    phase: 'no subscribers',
    'write p50/p99 ms': `${pct(writeLatencies, 50).toFixed(0)}/${pct(writeLatencies, 99).toFixed(0)}`,
    'light p50 ms': pct(base.light, 50).toFixed(1),
    'light p99 ms': pct(base.light, 99).toFixed(1),
    'db ms/s': base.dbMsPerS.toFixed(0),
    'server RSS MB': base.rssPeak.toFixed(0),
  };
  report.push(baseLine);
  console.table([baseLine]);

  const subscribedDbAt: Record<number, number> = {};
  for (const n of SCALES) {
    const latencies: number[] = [];
    /** From the write's answer: a change can arrive before it, so this is at most the time since its commit. */
    const sinceAnswer: number[] = [];
    let deliveries = 0;
    let errors = 0;
    let counting = false;
    const clients: WsClient[] = [];
    for (let i = 0; i < n; i += PER_SOCKET) {
      const token = staff[(i / PER_SOCKET) % staff.length];
      const client = createClient({
        url: url.replace('http', 'ws'),
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: false,
        onNonLazyError: () => errors++,
      });
      clients.push(client);
      for (let j = 0; j < PER_SOCKET && i + j < n; j++)
        client.subscribe<{ changes: { node: { name?: string } | null } }>(
          { query: CHANGES, variables: { types: (i + j) % 3 === 0 ? null : ['Institution'] } },
          {
            next: (r) => {
              if (!counting) return;
              const m = /^Bench (\d+)$/.exec(r.data?.changes.node?.name ?? '');
              const at = m && sentAt.get(Number(m[1]));
              if (at) latencies.push(Date.now() - at);
              const answered = m && answeredAt.get(Number(m[1]));
              if (answered) sinceAnswer.push(Math.max(0, Date.now() - answered));
              deliveries++;
            },
            error: () => errors++,
            complete: () => undefined,
          },
        );
      // Sockets opened a few at a time, as clients arrive.
      if ((i / PER_SOCKET) % 50 === 49) await sleep(50);
    }
    await sleep(Number(process.env.SETTLE_MS ?? 3_000));
    counting = true;
    writeLatencies.length = 0;
    const p = await phase();
    counting = false;
    subscribedDbAt[n] = p.dbMsPerS;
    const line = {
      phase: `${n} subscribers`,
      'delivery p50 ms': pct(latencies, 50).toFixed(0),
      'delivery p99 ms': pct(latencies, 99).toFixed(0),
      'after answer p50/p99 ms': `${pct(sinceAnswer, 50).toFixed(0)}/${pct(sinceAnswer, 99).toFixed(0)}`,
      'write p50/p99 ms': `${pct(writeLatencies, 50).toFixed(0)}/${pct(writeLatencies, 99).toFixed(0)}`,
      'deliveries/s': (deliveries / p.seconds).toFixed(0),
      // Beyond what the writes and the light query cost without subscribers.
      'server CPU µs/delivery': (((p.cpu - (base.cpu / base.seconds) * p.seconds) * 1e6) / Math.max(1, deliveries)).toFixed(0),
      'server RSS MB': p.rssPeak.toFixed(0),
      'light p50 ms': pct(p.light, 50).toFixed(1),
      'light p99 ms': pct(p.light, 99).toFixed(1),
      'db ms/s': p.dbMsPerS.toFixed(0),
      errors,
    };
    report.push(line);
    console.table([line]);
    await Promise.all(clients.map((c) => c.dispose()));
    await sleep(2_000);
  }

  // Polling: POLLERS clients, each reading its first page every second, spread over the second.
  const pollAt = SCALES.includes(POLLERS) ? POLLERS : SCALES[0];
  let polls = 0;
  let pollErrors = 0;
  let stopPolling = false;
  const poller = async (k: number) => {
    await sleep((k * 1000) / POLLERS);
    while (!stopPolling) {
      const s = Date.now();
      await post(url, POLL, {}, staff[k % staff.length]).then(
        () => polls++,
        () => pollErrors++,
      );
      await sleep(Math.max(0, 1000 - (Date.now() - s)));
    }
  };
  const pollers = Array.from({ length: POLLERS }, (_, k) => poller(k));
  await sleep(2_000);
  polls = 0;
  const p = await phase();
  stopPolling = true;
  await Promise.all(pollers);
  const line = {
    phase: `${POLLERS} clients polling each second`,
    'polls/s': (polls / p.seconds).toFixed(0),
    'failed polls': pollErrors,
    'server RSS MB': p.rssPeak.toFixed(0),
    'light p50 ms': pct(p.light, 50).toFixed(1),
    'light p99 ms': pct(p.light, 99).toFixed(1),
    'db ms/s': p.dbMsPerS.toFixed(0),
  };
  report.push(line);
  console.table([line]);
  stopWrites();
  const subs = subscribedDbAt[pollAt];
  if (subs !== undefined)
    console.log(
      `database time per second, polling ÷ subscriptions at ${pollAt} clients: ${(p.dbMsPerS / subs).toFixed(1)}× ` +
        `(beyond the writes' own ${base.dbMsPerS.toFixed(0)} ms/s: ${((p.dbMsPerS - base.dbMsPerS) / Math.max(1, subs - base.dbMsPerS)).toFixed(1)}×); write errors: ${writeErrors}`,
    );

  const exited = new Promise((r) => server.child.once('exit', r));
  server.child.kill('SIGTERM');
  await exited;
  await db.close();
  if (process.env.DATABASE_URL) {
    const pg = new PgClient({ connectionString: process.env.DATABASE_URL });
    await pg.connect();
    await pg.query(`drop database if exists ${name} with (force)`);
    await pg.end();
  }
  process.exit(0);
}

runMain(main);
