/**
 * Prometheus metrics (metrics.ts): request durations by operation, errors by
 * code, database pools, the audit append and the process's own, served on the
 * public port only to the holder of METRICS_TOKEN, and never with an
 * unbounded number of series whatever operation names clients invent.
 * (METRICS_PORT, the listener of its own, is tested with the built server in
 * server.test.ts.)
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { knownOperationNames } from '../src/server/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/server/app';
import { loadConfig } from '../src/config';
import { Role } from '../src/access/roles';
import { toGlobalId } from '../src/shared/global-id';
import * as f from './support/factories';
import { startTestApp, type Client, type TestApp } from './support/test-app';

const TOKEN = randomBytes(32).toString('base64');
let t: TestApp;
let app: App;
let server: http.Server;
let base: string;
let editor: Client;
let institutionId: string;

beforeAll(async () => {
  t = await startTestApp();
  app = await createApp({ orm: t.orm, config: { ...t.config, metricsToken: TOKEN }, log: pino({ level: 'silent' }) });
  server = http.createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  editor = await t.as(Role.EDITOR, 'KP2MI');
  const em = t.em();
  const inst = f.institution(em, await t.ministry('KP2MI'));
  await em.flush();
  institutionId = toGlobalId('Institution', inst.id);
});
afterAll(async () => {
  server?.close();
  await app?.stop();
  await t?.close();
});

const post = (body: unknown, token?: string | null) =>
  fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  }).then((r) => r.json() as Promise<{ data?: any; errors?: { extensions?: { code?: string } }[] }>);

const scrape = async (token: string | null = TOKEN) => {
  const res = await fetch(`${base}/metrics`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};

/** The value of one series in the exposition text, or undefined. */
const sample = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('metrics', () => {
  it('are served on the public port only with METRICS_TOKEN; without it or with another, the path does not exist', async () => {
    expect((await scrape(null)).status).toBe(404);
    expect((await scrape('not-the-token')).status).toBe(404);
    expect((await scrape(TOKEN.slice(0, -1))).status).toBe(404);
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.type).toContain('text/plain');
    // Process metrics from prom-client's default collectors, the event-loop lag among them.
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes'])
      expect(ok.text).toContain(`\n${name}`);
  });

  it('with no METRICS_TOKEN configured, the public port serves no metrics to anyone', async () => {
    const plain = await createApp({ orm: t.orm, config: t.config, log: pino({ level: 'silent' }) });
    const s = http.createServer(plain.handle);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`, { headers: { authorization: 'Bearer ' } });
      expect(res.status).toBe(404);
    } finally {
      s.close();
      await plain.stop();
    }
  });

  it('count requests by operation name and type, and errors by code', async () => {
    for (let i = 0; i < 3; i++) expect((await post({ query: 'query Viewer { viewer { email } }' }, editor.token)).errors).toBeUndefined();
    const refused = await post({ query: 'query Accounts { accounts(first: 1) { totalCount } }' }, editor.token);
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anonymous = await post({ query: '{ trainees(first: 1) { totalCount } }' });
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const { text } = await scrape();
    expect(sample(text, 'sinergi_graphql_request_duration_seconds_count{operation="Viewer",type="query"}')).toBe(3);
    expect(sample(text, 'sinergi_graphql_request_duration_seconds_count{operation="Accounts",type="query"}')).toBe(1);
    expect(sample(text, 'sinergi_graphql_request_duration_seconds_count{operation="_anonymous",type="query"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sinergi_graphql_errors_total{code="FORBIDDEN"}')).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sinergi_graphql_errors_total{code="UNAUTHENTICATED"}')).toBeGreaterThanOrEqual(1);
    // The buckets add up to the count.
    expect(sample(text, 'sinergi_graphql_request_duration_seconds_bucket{le="+Inf",operation="Viewer",type="query"}')).toBe(3);
  });

  it("time each mutation's audit append, and show the database pool", async () => {
    const before = sample((await scrape()).text, 'sinergi_audit_append_seconds_count') ?? 0;
    const res = await post(
      {
        query: 'mutation UpdateInstitution($id: ID!, $name: String!) { updateInstitution(input: { id: $id, name: $name }) { id } }',
        variables: { id: institutionId, name: 'LPK Metrik' },
      },
      editor.token,
    );
    expect(res.errors).toBeUndefined();
    const { text } = await scrape();
    expect(sample(text, 'sinergi_audit_append_seconds_count')).toBe(before + 1);
    expect(sample(text, 'sinergi_graphql_request_duration_seconds_count{operation="UpdateInstitution",type="mutation"}')).toBe(1);
    for (const state of ['in_use', 'idle', 'waiting'])
      expect(sample(text, `sinergi_db_pool_connections{pool="primary",state="${state}"}`)).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'sinergi_db_pool_connections{pool="primary",state="idle"}')).toBeGreaterThan(0);
  });

  it("label only the operation names of the SDK's documents: anything a client invents is counted as _other", async () => {
    // The SDK's names, as its generator makes them from the schema: the server knows each without reading the file.
    const sdk = readFileSync(path.resolve(__dirname, '..', 'clients/typescript/src/operations.graphql'), 'utf8');
    const names = [...sdk.matchAll(/^(?:query|mutation) (\w+)/gm)].map((m) => m[1]);
    expect(names.length).toBeGreaterThan(60);
    expect(names.filter((n) => !knownOperationNames(t.app.schema).has(n))).toEqual([]);

    const invented = ['NIK_3517055011890900_lookup', 'RealDashboardQuery', ...Array.from({ length: 250 }, (_, i) => `Invented${i}`)];
    await Promise.all(invented.map((n) => post({ query: `query ${n} { viewer { email } }` }, editor.token)));
    expect((await post({ query: 'query Viewer { viewer { email } }' }, editor.token)).errors).toBeUndefined();
    const { text } = await scrape();
    const labels = new Set(
      text
        .split('\n')
        .filter((l) => l.startsWith('sinergi_graphql_request_duration_seconds_count{'))
        .map((l) => /operation="([^"]*)"/.exec(l)?.[1]),
    );
    expect([...labels].filter((l) => l !== '_other' && l !== '_anonymous' && !names.includes(String(l)))).toEqual([]);
    expect(text).not.toContain('3517055011890900');
    expect(sample(text, 'sinergi_graphql_request_duration_seconds_count{operation="_other",type="query"}')).toBeGreaterThanOrEqual(invented.length);
    expect(sample(text, 'sinergi_graphql_request_duration_seconds_count{operation="Viewer",type="query"}')).toBeGreaterThanOrEqual(1);
  });

  it('METRICS_TOKEN must not be guessable: shorter than 32 characters is refused at start-up', () => {
    expect(() => loadConfig({ METRICS_TOKEN: 'short-token' })).toThrow(/METRICS_TOKEN must be at least 32 characters/);
    expect(loadConfig({ METRICS_TOKEN: TOKEN }).metricsToken).toBe(TOKEN);
    expect(loadConfig({ METRICS_PORT: '9464' }).metricsPort).toBe(9464);
  });
});
