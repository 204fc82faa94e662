/**
 * Browsers on other origins (CORS_ORIGINS): an allowed origin's preflight is
 * answered and its responses are readable, without credentials; any other
 * origin gets no CORS header; simple cross-site requests stay refused by
 * Apollo's CSRF prevention. GraphiQL's page may not be framed; answers are
 * compressed; the SDL is served where introspection is.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/server/app';
import { loadConfig } from '../src/config';
import { SCHEMA_FILE } from '../src/graphql/schema';
import { Role } from '../src/access/roles';
import { startTestApp, type Client, type TestApp } from './support/test-app';

const ALLOWED = 'http://127.0.0.1:5173';
let t: TestApp;
let app: App;
let server: http.Server;
let url: string;
let editor: Client;

beforeAll(async () => {
  t = await startTestApp();
  app = await createApp({ orm: t.orm, config: { ...t.config, corsOrigins: [ALLOWED] }, log: pino({ level: 'silent' }) });
  server = http.createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  editor = await t.as(Role.EDITOR, 'KP2MI');
});
afterAll(async () => {
  server?.close();
  await app?.stop();
  await t?.close();
});

const preflight = (origin: string) =>
  fetch(url, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
  });

describe('CORS', () => {
  it("answers an allowed origin's preflight, without credentials", async () => {
    const res = await preflight(ALLOWED);
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(res.headers.get('access-control-allow-methods')).toContain('POST');
    expect(res.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    expect(res.headers.get('vary')).toContain('origin');
  });

  it("refuses another origin's preflight, with no CORS header for the browser to act on", async () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:5174', 'null']) {
      const res = await preflight(origin);
      expect(res.status).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it("lets an allowed origin's page read answers, and another's not", async () => {
    const call = (origin: string) =>
      fetch(url, {
        method: 'POST',
        headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${editor.token}` },
        body: JSON.stringify({ query: '{ viewer { email } }' }),
      });
    const ok = await call(ALLOWED);
    expect(ok.headers.get('access-control-allow-origin')).toBe(ALLOWED);
    expect(ok.headers.get('access-control-expose-headers')).toContain('x-request-id');
    expect(((await ok.json()) as { data: { viewer: { email: string } } }).data.viewer.email).toBe(editor.account!.email);
    const other = await call('http://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('keeps CSRF prevention on: a simple cross-site GET without a preflight header is refused', async () => {
    const res = await fetch(`${url}?query=${encodeURIComponent('{ viewer { email } }')}`, { headers: { origin: ALLOWED } });
    expect(res.status).toBe(400);
    const body = await fetch(url, { method: 'POST', headers: { origin: ALLOWED, 'content-type': 'text/plain' }, body: '{"query":"{ viewer { email } }"}' });
    expect(body.status).toBe(400);
  });

  it('CORS_ORIGINS takes exact origins only', () => {
    expect(loadConfig({ CORS_ORIGINS: 'https://app.example.go.id, http://localhost:5173' }).corsOrigins).toEqual([
      'https://app.example.go.id',
      'http://localhost:5173',
    ]);
    for (const bad of ['*', 'https://app.example.go.id/path', 'app.example.go.id', 'ftp://x.example'])
      expect(() => loadConfig({ CORS_ORIGINS: bad })).toThrow(/CORS_ORIGINS/);
  });
});

describe("GraphiQL's page", () => {
  it('may not be framed, and sends no referrer', async () => {
    const res = await fetch(url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
  });
});

describe('compression', () => {
  it('compresses answers over 1 KB as the client accepts, brotli first, and leaves small ones alone', async () => {
    const big = JSON.stringify({ query: '{ ministries(first: 20) { edges { node { id code name } } } }' });
    const call = (encoding: string, body = big) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${editor.token}`, 'accept-encoding': encoding, origin: ALLOWED },
        body,
      });
    const br = await call('gzip, deflate, br');
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toMatch(/origin.*accept-encoding/);
    // fetch undoes the encoding: the answer reads as usual.
    expect(((await br.json()) as { data: { ministries: { edges: unknown[] } } }).data.ministries.edges.length).toBe(13);
    expect((await call('gzip')).headers.get('content-encoding')).toBe('gzip');
    expect((await call('br;q=0, gzip')).headers.get('content-encoding')).toBe('gzip');
    expect((await call('identity')).headers.get('content-encoding')).toBeNull();
    const small = await call('br', JSON.stringify({ query: '{ viewer { email } }' }));
    expect(small.headers.get('content-encoding')).toBeNull();
  });

  it("serves GraphiQL's script compressed: a fraction of its size", async () => {
    const plain = await fetch(url.replace('/graphql', '/graphiql/graphiql.js'), { headers: { 'accept-encoding': 'identity' } });
    const packed = await fetch(url.replace('/graphql', '/graphiql/graphiql.js'), { headers: { 'accept-encoding': 'br' } });
    expect(packed.headers.get('content-encoding')).toBe('br');
    const plainBytes = (await plain.arrayBuffer()).byteLength;
    // Node's fetch decodes br: compare what came over the wire through a raw request instead.
    const wire = await new Promise<number>((resolve) => {
      http.get(url.replace('/graphql', '/graphiql/graphiql.js'), { headers: { 'accept-encoding': 'br' } }, (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => resolve(n));
      });
    });
    expect(wire).toBeLessThan(plainBytes / 3);
  });
});

describe('the SDL', () => {
  it('is served at GET /graphql/schema.graphql, exactly the checked-in file, where introspection is on', async () => {
    const res = await fetch(url.replace('/graphql', '/graphql/schema.graphql'));
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(readFileSync(SCHEMA_FILE, 'utf8'));
  });

  it('is not served where introspection is off (production)', async () => {
    const closed = await createApp({ orm: t.orm, config: { ...t.config, introspection: false }, log: pino({ level: 'silent' }) });
    const s = http.createServer(closed.handle);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/graphql/schema.graphql`);
      expect(res.status).toBe(404);
      expect(await res.text()).not.toContain('type Query');
    } finally {
      s.close();
      await closed.stop();
    }
  });
});
