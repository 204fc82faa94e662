/**
 * Idempotent retries (issue 32, item 4), through HTTP against a real server: a request with mutations and an
 * `Idempotency-Key` is answered once and replayed after, whatever happened to the first answer on its way —
 * including a server killed between its commit and its answer.
 */
import net from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pool } from 'pg';
import * as f from './support/factories';
import { startServerProcess } from './support/server-process';
import { serveOverHttp, type HttpServer } from './support/http-server';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let server: HttpServer;
let base: string;
let editor: Client;

beforeAll(async () => {
  t = await startTestApp();
  server = await serveOverHttp(t.app);
  base = server.base;
  editor = await t.as(Role.EDITOR, 'KP2MI');
});
afterAll(async () => {
  await server?.close();
  await t?.close();
});

interface Answer {
  status: number;
  replayed: boolean;
  body: { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, any> }[] };
}

async function send(client: Client, body: unknown, key?: string, at = base): Promise<Answer> {
  const res = await fetch(`${at}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${client.token}`, ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', body: (await res.json()) as Answer['body'] };
}

const RENAME = 'mutation Rename($id: ID!, $name: String!) { updateInstitution(input: { id: $id, name: $name }) { id name version } }';
const codeOf = (a: Answer) => a.body.errors?.[0]?.extensions?.code ?? 'OK';

async function institution() {
  const em = t.em();
  const row = f.institution(em, await t.ministry('KP2MI'));
  await em.flush();
  return row;
}
const versionOf = async (id: string) =>
  (await t.em().getConnection().execute<{ version: number }[]>('select version from institution where id = ?', [id]))[0].version;
const eventsOn = async (id: string) =>
  (await t.em().getConnection().execute<{ n: number }[]>('select count(*)::int as n from audit_event where entity_id = ?', [id]))[0].n;

describe('Idempotency-Key', () => {
  it('a retry of the same request gets the committed answer, marked replayed, and writes nothing more', async () => {
    const row = await institution();
    const key = randomUUID();
    const body = { query: RENAME, variables: { id: f.gid(row), name: 'Idempotent rename' } };
    const first = await send(editor, body, key);
    expect([first.status, first.replayed, first.body.data?.updateInstitution?.name]).toEqual([200, false, 'Idempotent rename']);
    const version = await versionOf(row.id);
    // The same request, its variables in another order.
    const again = await send(editor, { variables: { name: 'Idempotent rename', id: f.gid(row) }, query: RENAME }, key);
    expect([again.status, again.replayed]).toEqual([200, true]);
    expect(again.body).toEqual(first.body);
    expect(await versionOf(row.id)).toBe(version);
    expect(await eventsOn(row.id)).toBe(1);
    // Without a key, a request runs whenever it is sent.
    const renamed = { query: RENAME, variables: { id: f.gid(row), name: 'Idempotent rename, again' } };
    expect((await send(editor, renamed)).body.data?.updateInstitution?.version).toBe(version + 1);
  });

  it('the same key with another request is refused with 422, and changes nothing', async () => {
    const row = await institution();
    const key = randomUUID();
    expect(codeOf(await send(editor, { query: RENAME, variables: { id: f.gid(row), name: 'First use' } }, key))).toBe('OK');
    const version = await versionOf(row.id);
    const other = await send(editor, { query: RENAME, variables: { id: f.gid(row), name: 'Second use' } }, key);
    expect([other.status, codeOf(other)]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
    expect(await versionOf(row.id)).toBe(version);
  });

  it("keys are the caller's own: another account's request with the same key runs", async () => {
    const row = await institution();
    const key = randomUUID();
    const body = { query: RENAME, variables: { id: f.gid(row), name: 'Per caller' } };
    expect(codeOf(await send(editor, body, key))).toBe('OK');
    const colleague = await t.as(Role.EDITOR, 'KP2MI');
    const theirs = await send(colleague, body, key);
    expect([codeOf(theirs), theirs.replayed]).toEqual(['OK', false]);
  });

  it('while the first request with a key still runs, another is told 409; once it has answered, the retry is replayed', async () => {
    const row = await institution();
    const key = randomUUID();
    const body = { query: RENAME, variables: { id: f.gid(row), name: 'Raced' } };
    // The first request's hold on its key, as it has while it runs.
    const pool = new Pool({ connectionString: t.databaseUrl, max: 1 });
    const holder = await pool.connect();
    await holder.query('select pg_advisory_lock(hashtextextended($1, 7319))', [`${editor.account!.id} ${key}`]);
    const running = await send(editor, body, key);
    expect([running.status, codeOf(running)]).toEqual([409, 'CONFLICT']);
    expect(await eventsOn(row.id)).toBe(0);
    holder.release(true);
    await pool.end();
    // A real race: of five at once, one writes; each of the others is told to wait or gets its answer.
    const answers = await Promise.all(Array.from({ length: 5 }, () => send(editor, body, key)));
    expect(await eventsOn(row.id)).toBe(1);
    const written = answers.filter((a) => codeOf(a) === 'OK' && !a.replayed);
    expect(written).toHaveLength(1);
    for (const a of answers) expect(codeOf(a) === 'CONFLICT' || a.replayed || a === written[0]).toBe(true);
    expect((await send(editor, body, key)).replayed).toBe(true);
  });

  it('a failed mutation keeps nothing: its retry runs again; a query ignores the key; a malformed key is refused', async () => {
    const key = randomUUID();
    const bad = { query: RENAME, variables: { id: 'not-an-id', name: 'Failed' } };
    const failed = await send(editor, bad, key);
    expect(codeOf(failed)).toBe('BAD_USER_INPUT');
    const retried = await send(editor, bad, key);
    expect([codeOf(retried), retried.replayed]).toEqual(['BAD_USER_INPUT', false]);
    const query = { query: '{ viewer { email } }' };
    expect((await send(editor, query, key)).replayed).toBe(false);
    expect((await send(editor, query, key)).replayed).toBe(false);
    for (const malformed of ['x'.repeat(256), 'with space', 'ümlaut']) {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${editor.token}`,
          'idempotency-key': encodeURI(malformed) === malformed ? malformed : malformed,
        },
        body: JSON.stringify(query),
      }).catch(() => null);
      // fetch itself refuses a header value outside Latin-1; anything it sends is refused by the server.
      if (res) expect([res.status, ((await res.json()) as Answer['body']).errors?.[0]?.extensions?.code]).toEqual([400, 'BAD_REQUEST']);
    }
  });

  it('a CSV import sent twice with one key is imported once; the second answer is the first, replayed', async () => {
    const key = randomUUID();
    const csv = [
      'externalId,name,type,provinceCode,annualCapacity',
      ...Array.from({ length: 20 }, (_, i) => `IDEM-${key}-${i},BLK Idem ${i},TRAINING_CENTRE,35,10`),
    ].join('\n');
    const upload = () =>
      fetch(`${base}/import/institutions.csv`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv', authorization: `Bearer ${editor.token}`, 'idempotency-key': key },
        body: csv,
      });
    const first = await upload();
    const firstBody = await first.json();
    expect([first.status, (firstBody as any).data.importCsv.created]).toEqual([200, 20]);
    const second = await upload();
    expect([second.status, second.headers.get('idempotent-replayed')]).toEqual([200, 'true']);
    expect(await second.json()).toEqual(firstBody);
    const [{ n }] = await t
      .em()
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from institution where external_id like ?', [`IDEM-${key}-%`]);
    expect(n).toBe(20);
  });

  it('the retry after a server killed between its commit and its answer gets the committed answer', async () => {
    const env = { DATABASE_URL: t.databaseUrl, JWT_SECRET: t.config.jwtSecret, AUDIT_KEY: t.config.auditKey, REDIS_URL: '' };
    const doomed = await startServerProcess(env);
    const target = new URL(doomed.url);
    // A proxy that kills the server the moment its answer starts: the commit has happened, the answer never arrives.
    const proxy = net.createServer((client) => {
      const upstream = net.connect(Number(target.port), target.hostname);
      client.pipe(upstream);
      upstream.once('data', () => {
        doomed.child.kill('SIGKILL');
        client.destroy();
        upstream.destroy();
      });
      client.on('error', () => undefined);
      upstream.on('error', () => undefined);
    });
    await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
    const row = await institution();
    const key = randomUUID();
    const body = { query: RENAME, variables: { id: f.gid(row), name: 'Committed, never answered' } };
    await expect(send(editor, body, key, `http://127.0.0.1:${(proxy.address() as { port: number }).port}`)).rejects.toThrow();
    proxy.close();
    await doomed.stop();
    expect(await eventsOn(row.id)).toBe(1);
    const version = await versionOf(row.id);
    // The client retries, at another process (the load balancer's next one).
    const retry = await send(editor, body, key);
    expect([retry.status, retry.replayed, retry.body.data?.updateInstitution]).toEqual([
      200,
      true,
      { id: f.gid(row), name: 'Committed, never answered', version },
    ]);
    expect(await eventsOn(row.id)).toBe(1);
  }, 120_000);
});
