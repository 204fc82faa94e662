/**
 * OpenTelemetry tracing (tracing.ts), end to end: a server process with
 * OTEL_EXPORTER_OTLP_ENDPOINT set exports its spans over OTLP/HTTP to a
 * collector this test runs in memory. One request yields its HTTP span, its
 * GraphQL operation span and its SQL spans, in one trace, with the request
 * id; and no span carries the token, the session's secret or a NIK the
 * request named.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Role } from '../src/access/roles';
import { withoutLiterals } from '../src/server/tracing';
import * as f from './support/factories';
import { startTestApp, type Client, type TestApp } from './support/test-app';
import { startServerProcess, type ServerProcess } from './support/server-process';

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: { key: string; value: Record<string, unknown> }[];
}

let t: TestApp;
let server: ServerProcess;
let collector: http.Server;
let editor: Client;
let nik: string;
const spans: OtlpSpan[] = [];
const bodies: string[] = [];

beforeAll(async () => {
  // The collector: OTLP/HTTP JSON, kept in memory.
  collector = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(body);
      if (req.url === '/v1/traces' && (req.headers['content-type'] ?? '').includes('json')) {
        const payload = JSON.parse(body) as { resourceSpans?: { scopeSpans?: { spans?: OtlpSpan[] }[] }[] };
        for (const r of payload.resourceSpans ?? []) for (const s of r.scopeSpans ?? []) spans.push(...(s.spans ?? []));
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  t = await startTestApp();
  editor = await t.as(Role.EDITOR, 'KP2MI');
  const em = t.em();
  nik = f.trainee(em, await t.ministry('KP2MI')).nik;
  await em.flush();
  server = await startServerProcess({
    DATABASE_URL: t.databaseUrl,
    JWT_SECRET: t.config.jwtSecret,
    AUDIT_KEY: t.config.auditKey,
    OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
    OTEL_SERVICE_NAME: 'sinergi-test',
    OTEL_BSP_SCHEDULE_DELAY: '100',
  });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  collector?.close();
  await t?.close();
});

const attr = (span: OtlpSpan, key: string) => {
  const v = span.attributes.find((a) => a.key === key)?.value;
  return v ? (v.stringValue ?? v.intValue ?? v.boolValue ?? v.arrayValue) : undefined;
};

describe('tracing', () => {
  it("exports one request's HTTP, operation and SQL spans in one trace, with its request id", async () => {
    const requestId = 'trace-me-0001';
    const res = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${editor.token}`, 'x-request-id': requestId },
      body: JSON.stringify({ query: 'query Traced($nik: String) { trainees(first: 5, filter: { nik: $nik }) { totalCount } }', variables: { nik } }),
    });
    expect(((await res.json()) as { data: { trainees: { totalCount: number } } }).data.trainees.totalCount).toBe(1);

    let httpSpan: OtlpSpan | undefined;
    for (let i = 0; i < 100 && !httpSpan; i++) {
      httpSpan = spans.find((s) => s.kind === 2 && attr(s, 'sinergi.request_id') === requestId);
      if (!httpSpan) await new Promise((r) => setTimeout(r, 100));
    }
    expect(httpSpan, 'the HTTP server span').toBeDefined();
    // The rest of the trace may arrive in a later batch.
    await new Promise((r) => setTimeout(r, 500));
    const trace = spans.filter((s) => s.traceId === httpSpan!.traceId);
    const operation = trace.find((s) => s.name === 'graphql.operation');
    expect(operation).toBeDefined();
    expect(attr(operation!, 'sinergi.request_id')).toBe(requestId);
    expect(attr(operation!, 'graphql.operation.name')).toBe('Traced');
    expect(attr(operation!, 'graphql.operation.type')).toBe('query');
    expect(operation!.parentSpanId).toBe(httpSpan!.spanId);
    const sql = trace.filter((s) => attr(s, 'db.system.name') === 'postgresql' || attr(s, 'db.system') === 'postgresql');
    expect(sql.length).toBeGreaterThanOrEqual(2);
    expect(sql.map((s) => String(attr(s, 'db.query.text'))).join('\n')).toContain('sinergi_begin_request');
    // Every SQL span descends from the operation's, or from the session check before the body is read.
    const byId = new Map(trace.map((s) => [s.spanId, s]));
    const check = trace.find((s) => s.name === 'sinergi.session_check');
    for (const s of sql) {
      let p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
      while (p && p !== operation && p !== check) p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined;
      expect(p === operation || (check !== undefined && p === check), `${s.name} under the operation`).toBe(true);
    }
  });

  it('puts no token, session secret or personal value in any span', async () => {
    await fetch(`${server.url}?query=${encodeURIComponent(`{ trainees(filter: { nik: "${nik}" }) { totalCount } }`)}`, {
      headers: { authorization: `Bearer ${editor.token}`, 'apollo-require-preflight': 'true', 'x-request-id': 'trace-me-0002' },
    });
    for (let i = 0; i < 50 && !spans.some((s) => attr(s, 'sinergi.request_id') === 'trace-me-0002'); i++) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 500));
    expect(spans.some((s) => attr(s, 'sinergi.request_id') === 'trace-me-0002')).toBe(true);
    const exported = bodies.join('\n');
    const [, payload] = editor.token!.split('.');
    const { sst } = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { sst: string };
    expect(exported).not.toContain(editor.token!);
    expect(exported).not.toContain(sst);
    expect(exported).not.toContain(nik);
  });

  it('takes the literals out of SQL text', () => {
    expect(withoutLiterals("BEGIN; select sinergi_begin_request('0199-a'::uuid, 's3cr''et'::text) as scope")).toBe(
      "BEGIN; select sinergi_begin_request('?'::uuid, '?'::text) as scope",
    );
    expect(withoutLiterals("select * from t where x = E'a\\\\b' and y = 1")).toBe("select * from t where x = E'?' and y = 1");
  });
});
