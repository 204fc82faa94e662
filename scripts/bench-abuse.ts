/**
 * `npm run bench:abuse`: what each heavy or hostile request of issue 9 does to
 * everyone else. The real app serves the demo data over loopback HTTP; for a
 * few seconds per scenario one client repeats the heavy request while another
 * measures `{ viewer { email } }`, and a third (for the import) keeps making
 * small mutations. Reports, per scenario, the light query's p50/p99 latency,
 * the longest event-loop stall, and the other client's mutations per second,
 * beside the same figures with no heavy request at all (the baseline).
 */
import 'reflect-metadata';
import { fork } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { MikroORM } from '@mikro-orm/postgresql';
import pino from 'pino';
import { createApp } from '../src/server/app';
import { loadConfig } from '../src/config';
import { ensureAppLogin } from '../src/db/app-role';
import { ormOptions } from '../src/startup/orm.config';
import { DEMO_PASSWORD, seedDemo } from '../src/seed/demo';
import { benchDatabase, runMain } from './bench-support';

const SECONDS = Number(process.env.SCENARIO_SECONDS ?? 4);

async function post(url: string, body: string, token?: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body,
  });
  await res.arrayBuffer();
  return res.status;
}

const pct = (xs: number[], p: number) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] : NaN);

async function main() {
  const db = await benchDatabase('sinergi_abuse');
  await seedDemo(db.owner);
  const orm = await MikroORM.init(ormOptions(await ensureAppLogin(db.url)));
  // TRUST_PROXY=1: the failed-login flood comes from ten addresses, as X-Forwarded-For says.
  const app = await createApp({
    orm,
    config: loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'bench-abuse-secret', TRUST_PROXY: '1' }),
    log: pino({ level: 'silent' }),
  });
  const server = http.createServer(app.handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  const login = async (email: string) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        query: 'mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }',
        variables: { e: email, p: DEMO_PASSWORD },
      }),
    });
    return ((await res.json()) as { data: { login: { token: string } } }).data.login.token;
  };
  const [viewer, editor, other] = await Promise.all([login('viewer@kemnaker.demo'), login('editor@kemnaker.demo'), login('editor@kemenpar.demo')]);
  const institution = await (async () => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${other}` },
      body: JSON.stringify({ query: '{ institutions(first: 1) { edges { node { id } } } }' }),
    });
    return ((await res.json()) as { data: { institutions: { edges: { node: { id: string } }[] } } }).data.institutions.edges[0].node.id;
  })();

  const q = (query: string, variables?: object) => JSON.stringify({ query, variables });
  const aliases = (n: number, field: string) => q(`{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`);
  const importRows = (n: number) =>
    [
      'externalId,name,type,provinceCode,annualCapacity,sectors',
      ...Array.from({ length: n }, (_, i) => `BENCH-${i},LPK Bench ${i},PRIVATE_COURSE,35,${40 + (i % 400)},HEALTH`),
    ].join('\n');
  const scenarios: [string, (() => Promise<number>) | null, boolean][] = [
    ['baseline (no heavy request)', null, true],
    ['anonymous 5 MB document', () => post(url, JSON.stringify({ query: `{ ${'x '.repeat(2_500_000)}}` })), false],
    ['fragment cycle', () => post(url, q('fragment A on Query { ...B } fragment B on Query { ...A } { ...A }'), viewer), false],
    ['1,000 aliases of accessMatrix', () => post(url, aliases(1000, 'accessMatrix { operation }'), viewer), false],
    ['10 aliases of accessMatrix (allowed)', () => post(url, aliases(10, 'accessMatrix { operation }'), viewer), false],
    ['10 aliases of institutionsCsv', () => post(url, aliases(10, 'institutionsCsv'), viewer), false],
    ['1 institutionsCsv (allowed)', () => post(url, q('{ institutionsCsv }'), viewer), false],
    ['100 aliases of statistics', () => post(url, aliases(100, 'statistics { institutionCount }'), viewer), false],
    ['4 aliases of statistics (allowed)', () => post(url, aliases(4, 'statistics { institutionCount institutionsByProvince { key count } }'), viewer), false],
    [
      'importCsv of 20,000 rows',
      () => post(url, q('mutation($csv: String!) { importCsv(kind: INSTITUTIONS, csv: $csv) { total written } }', { csv: importRows(20_000) }), editor),
      true,
    ],
  ];

  console.log(`Each scenario ${SECONDS} s: one client repeats the heavy request, one measures { viewer { email } }, one makes small mutations.`);
  console.log('scenario | heavy requests (status) | light p50 ms | light p99 ms | longest event-loop stall ms | other client mutations/s');
  let baselineMutations = 0;
  // ONLY=import,csv runs the baseline and the scenarios whose names contain one of these words.
  const only = process.env.ONLY?.split(',').filter(Boolean);
  // FLOODS_ONLY=1: only issue 29's floods below.
  for (const [name, heavy, measureMutations] of scenarios.filter(([n, h]) => !process.env.FLOODS_ONLY && (!only || !h || only.some((w) => n.includes(w))))) {
    const end = Date.now() + SECONDS * 1000;
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();
    const statuses = new Map<number, number>();
    const heavyLoop = (async () => {
      while (heavy && Date.now() < end) {
        const s = await heavy();
        statuses.set(s, (statuses.get(s) ?? 0) + 1);
      }
    })();
    const latencies: number[] = [];
    const lightLoop = (async () => {
      while (Date.now() < end) {
        const started = performance.now();
        await post(url, q('{ viewer { email } }'), viewer);
        latencies.push(performance.now() - started);
      }
    })();
    let mutations = 0;
    const mutationLoop = (async () => {
      while (measureMutations && Date.now() < end) {
        await post(
          url,
          q('mutation($i: UpdateInstitutionInput!) { updateInstitution(input: $i) { id } }', {
            i: { id: institution, annualCapacity: 100 + (mutations % 50) },
          }),
          other,
        );
        mutations++;
      }
    })();
    await Promise.all([heavyLoop, lightLoop, mutationLoop]);
    loop.disable();
    const rate = mutations / SECONDS;
    if (!heavy) baselineMutations = rate;
    const statusText = heavy ? [...statuses].map(([s, n]) => `${n}×${s}`).join(' ') : '-';
    const mutationText = measureMutations
      ? `${rate.toFixed(1)}${heavy && baselineMutations ? ` (${((rate / baselineMutations) * 100).toFixed(0)} % of baseline)` : ''}`
      : '-';
    console.log(
      `${name} | ${statusText} | ${pct(latencies, 50).toFixed(1)} | ${pct(latencies, 99).toFixed(1)} | ${(loop.max / 1e6).toFixed(0)} | ${mutationText}`,
    );
  }
  await floods(url, login, q);
  server.close();
  await app.stop();
  await orm.close(true);
  await db.close();
}

/**
 * Issue 29's floods, each against a light `{ viewer { email } }` measured by an account of its own: its p99
 * must stay within 200 ms of the same figure at rest. Each flood runs in a process of its own
 * (bench-flood.mjs), so that generating it does not slow the server's event loop here. FLOOD_SECONDS (default
 * 20) per flood.
 */
async function floods(url: string, login: (email: string) => Promise<string>, q: (query: string, variables?: object) => string) {
  const seconds = Number(process.env.FLOOD_SECONDS ?? 20);
  const base = url.replace(/\/graphql$/, '');
  const codes = ['KEMNAKER', 'KEMENDIKDASMEN', 'KEMENPERIN', 'KESDM', 'KEMENPAR', 'KP2MI', 'KEMENKES', 'KEMENTAN'];
  const tokens = await Promise.all(
    Array.from({ length: 16 }, (_, i) => login(`${['viewer', 'editor'][i % 2]}@${codes[Math.floor(i / 2) % codes.length].toLowerCase()}.demo`)),
  );
  const light = await login('viewer@kkp.demo');
  const runFlood = (flood: string) =>
    new Promise<Record<string, number>>((resolve, reject) => {
      const child = fork(path.join(__dirname, 'bench-flood.mjs'), [JSON.stringify({ flood, url, base, tokens, seconds })], { stdio: 'inherit' });
      child.once('message', (m) => resolve(m as Record<string, number>));
      child.once('error', reject);
      child.once('exit', (code) => code && reject(new Error(`flood ${flood} exited ${code}`)));
    });
  const flood: [string, string | null][] = [
    ['at rest', null],
    ['(a) one account, 100 concurrent exports', 'exports'],
    ['(b) 16 clients: statistics, 1,000-row pages, exports', 'heavy'],
    ['(c) 300 failed logins from 10 addresses', 'logins'],
    ['(d) four 8 MB nested bodies, signed in', 'nested'],
  ];
  console.log(`\nFloods (${seconds} s each); the light query by an account of its own. Goal: light p99 within 200 ms of its figure at rest.`);
  console.log('flood | flood requests (status) | light p50 ms | light p99 ms | p99 over rest ms | a good login meanwhile ms');
  let rest = NaN;
  for (const [name, kind] of flood) {
    const end = Date.now() + seconds * 1000;
    const statuses = kind ? runFlood(kind) : new Promise<Record<string, number>>((r) => setTimeout(() => r({}), seconds * 1000));
    const latencies: number[] = [];
    const lightLoop = (async () => {
      while (Date.now() < end) {
        const started = performance.now();
        await post(url, q('{ viewer { email } }'), light);
        latencies.push(performance.now() - started);
      }
    })();
    // Half-way through, a real user logs in with the right password.
    const goodLogin = (async () => {
      await new Promise((r) => setTimeout(r, (seconds * 1000) / 2));
      const started = performance.now();
      await login('editor@kkp.demo');
      return performance.now() - started;
    })();
    const [seen] = await Promise.all([statuses, lightLoop]);
    const p99 = pct(latencies, 99);
    if (!kind) rest = p99;
    console.log(
      `${name} | ${
        Object.entries(seen)
          .map(([s, n]) => `${n}×${s}`)
          .join(' ') || '-'
      } | ${pct(latencies, 50).toFixed(1)} | ${p99.toFixed(1)} | ${(p99 - rest).toFixed(1)} | ${(await goodLogin).toFixed(0)}`,
    );
  }
}

runMain(main);
