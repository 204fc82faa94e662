/**
 * CSV downloads (`GET /export/<list>.csv`): the list's scope, masking, read
 * log and formula neutralisation, streamed page by page; the same column
 * layout as the import, so a ministry's own export re-imports unchanged; the
 * list's errors as HTTP statuses before the first byte.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseCsv } from 'csv-parse/sync';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { createApp, type App } from '../src/server/app';
import { downloadIdle, exportCsv, exportLists } from '../src/server/export-csv';
import { RESOURCES } from '../src/modules';
import { Role } from '../src/access/roles';
import { Ministry } from '../src/data/ministry.entity';
import { PersonalDataRead } from '../src/modules/personal-data/personal-data-read.entity';
import { ResourceType } from '../src/shared/enums';
import { toGlobalId } from '../src/shared/global-id';
import * as ops from './generated/graphql';
import { expectOk } from './support/expect';
import * as f from './support/factories';
import { naming } from '../src/resource/naming';
import { startTestApp, TEST_PASSWORD, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let app: App;
let server: http.Server;
let base: string;
let editor: Client, other: Client, platform: Client;
let kemnaker: Ministry, kemenpar: Ministry;

beforeAll(async () => {
  t = await startTestApp();
  app = await createApp({ orm: t.orm, config: t.config, log: pino({ level: 'silent' }) });
  server = http.createServer(app.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  [editor, other, platform] = await Promise.all([t.as(Role.EDITOR, 'KEMNAKER'), t.as(Role.EDITOR, 'KEMENPAR'), t.as(Role.PLATFORM_ADMIN, null)]);
  [kemnaker, kemenpar] = await Promise.all([t.ministry('KEMNAKER'), t.ministry('KEMENPAR')]);
  // Three records of every kind, the importable ones with externalIds as an import would leave them; the first
  // institution's name is one a spreadsheet would run as a formula.
  const em = t.em();
  for (let i = 0; i < 3; i++) {
    const world: Record<string, { id: string }> = {};
    for (const r of f.FIXTURED) world[r.name] = f.make(em, r.name, kemnaker, world, r.importer ? { externalId: `EXP-${r.name}-${i}` } : {});
    if (i === 0) Object.assign(world.Institution, { name: '=HYPERLINK("http://evil.example","x")' });
  }
  await em.flush();
});
afterAll(async () => {
  server?.close();
  await app?.stop();
  await t?.close();
});

const download = (client: Client | null, path: string, headers: Record<string, string> = {}) =>
  fetch(`${base}${path}`, { headers: { ...(client?.token ? { authorization: `Bearer ${client.token}` } : {}), ...headers } });
const rowsOf = (text: string) => parseCsv(text, { columns: true }) as Record<string, string>[];
const mine = (list: string) => `/export/${list}.csv?filter=${encodeURIComponent(JSON.stringify({ ownerMinistryId: toGlobalId('Ministry', kemnaker.id) }))}`;

describe('GET /export/<list>.csv', () => {
  it('streams the list as an attachment, in the same layout and cells as the GraphQL export', async () => {
    const res = await download(editor, mine('institutions'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="institutions.csv"');
    expect(res.headers.get('content-length')).toBeNull(); // streamed, not buffered
    const text = await res.text();
    const viaGraphql = expectOk(
      await editor.raw('query($m: ID) { institutionsCsv(filter: { ownerMinistryId: $m }) }', { m: toGlobalId('Ministry', kemnaker.id) }),
    );
    expect(text).toBe(viaGraphql.institutionsCsv);
    expect(text.split('\n')[0]).toBe(
      'id,externalId,name,type,provinceCode,regency,address,annualCapacity,sectors,linkAndMatch,pmiPreparation,accreditation,ownerMinistry',
    );
    const rows = rowsOf(text);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.ownerMinistry === 'KEMNAKER' && ['true', 'false'].includes(r.pmiPreparation))).toBe(true);
    // A cell a spreadsheet would run as a formula is written with an apostrophe.
    expect(rows.find((r) => r.externalId === 'EXP-Institution-0')?.name).toBe('\'=HYPERLINK("http://evil.example","x")');
  });

  // Every importable resource, from the declarations; the cell edited is its first plain text field.
  it.each(
    f.FIXTURED.flatMap((r) => {
      // Free text: not a code (a fixed-length column), not personal, not a key.
      const text = Object.entries(r.fields ?? {}).find(
        ([k, x]) => x.kind === 'text' && x.csv && x.update && !x.personal && !x.uniquePerMinistry && !x.column.length && k !== 'externalId',
      );
      return r.importer && text ? [[naming.list(r.name), r.importer.kind, text[0]] as const] : [];
    }),
  )('an export of %s re-imports unchanged, and an edited cell updates its record', async (list, kind, field) => {
    const text = await (await download(editor, mine(list))).text();
    const total = rowsOf(text).length;
    expect(total).toBeGreaterThanOrEqual(3);
    const again = expectOk(await editor.exec(ops.ImportCsvDocument, { kind: kind as never, csv: text })).importCsv;
    expect(again).toMatchObject({ failed: 0, created: 0, updated: 0, unchanged: total, written: false });
    const [header, first, ...rest] = text.trimEnd().split('\n');
    const cells = parseCsv(first)[0] as string[];
    cells[header.split(',').indexOf(field)] = 'Edited in a spreadsheet';
    const edited = [header, cells.map((c) => `"${c.replace(/"/g, '""')}"`).join(','), ...rest].join('\n');
    const report = expectOk(await editor.exec(ops.ImportCsvDocument, { kind: kind as never, csv: edited })).importCsv;
    expect(report, JSON.stringify(report.errors)).toMatchObject({
      failed: 0,
      updated: 1,
      unchanged: total - 1,
    });
  });

  it('tries the round trip on every importable resource: each one with an importer has a fixture', () => {
    const importable = RESOURCES.filter((r) => r.importer).map((r) => r.name);
    expect(importable.length).toBeGreaterThan(0);
    expect(f.FIXTURED.filter((r) => r.importer).map((r) => r.name)).toEqual(importable);
  });

  it("skips another ministry's rows from its export, writing none and failing none", async () => {
    const text = await (await download(editor, mine('institutions'))).text();
    const rows = text.trim().split('\n').length - 1;
    const report = expectOk(await other.exec(ops.ImportCsvDocument, { kind: 'INSTITUTIONS', csv: text })).importCsv;
    expect(report).toMatchObject({ written: false, created: 0, updated: 0, failed: 0, skipped: rows, errors: [] });
    expect(report.skips[0]).toMatchObject({ field: 'ownerMinistry' });
  });

  it('applies scope, masking and the read log exactly as the list does', async () => {
    expect(rowsOf(await (await download(other, mine('trainees'))).text())).toHaveLength(0);
    const em = t.em();
    const {
      clauses: [clause],
    } = await f.signedMou(em, kemnaker, kemenpar, [{ provider: kemnaker, recipient: kemenpar, resources: [ResourceType.TRAINEE] }]);
    const masked = rowsOf(await (await download(other, mine('trainees'))).text());
    expect(masked.length).toBeGreaterThanOrEqual(3);
    expect(masked.every((r) => /^\d{4}\*{10}\d{2}$/.test(r.nik) && /^\d{4}-\*\*-\*\*$/.test(r.birthDate))).toBe(true);

    (clause as { includesPersonalData: boolean }).includesPersonalData = true;
    await em.flush();
    const reads = await t.em().count(PersonalDataRead, { readerMinistry: kemenpar.id });
    const full = rowsOf(await (await download(other, mine('trainees'))).text());
    expect(full.every((r) => /^\d{16}$/.test(r.nik))).toBe(true);
    expect(await t.em().count(PersonalDataRead, { readerMinistry: kemenpar.id })).toBe(reads + full.length);
  });

  it("sorts by the list's orderBy", async () => {
    const order = (direction: string) => encodeURIComponent(JSON.stringify({ field: 'NAME', direction }));
    const names = async (direction: string) =>
      rowsOf(await (await download(editor, `${mine('institutions')}&orderBy=${order(direction)}`)).text()).map((r) => r.externalId);
    const ascending = await names('ASC');
    expect(ascending).toHaveLength(3);
    expect(await names('DESC')).toEqual([...ascending].reverse());
    const bad = await download(editor, `${mine('institutions')}&orderBy=${order('SIDEWAYS')}`);
    expect(bad.status).toBe(400);
  });

  it('pages through a list longer than one page, compressed when asked', async () => {
    const em = t.em();
    const inst = f.institution(em, kemnaker, { externalId: 'EXP-BIG' });
    for (let i = 0; i < 1_100; i++) f.program(em, inst, { externalId: `EXP-BIG-${i}` });
    await em.flush();
    const filter = encodeURIComponent(JSON.stringify({ institutionId: toGlobalId('Institution', inst.id) }));
    const res = await download(editor, `/export/programs.csv?filter=${filter}`, { 'accept-encoding': 'gzip' });
    expect(res.headers.get('content-encoding')).toBe('gzip');
    // fetch undoes the gzip itself.
    const text = await res.text();
    const rows = rowsOf(text);
    expect(rows).toHaveLength(1_100);
    expect(new Set(rows.map((r) => r.externalId)).size).toBe(1_100);
    expect(rows.every((r) => r.institutionExternalId === 'EXP-BIG')).toBe(true);
  });

  it("answers the list's errors with their status before the first byte", async () => {
    const cases: [Client | null, string, number, string][] = [
      [null, '/export/institutions.csv', 401, 'UNAUTHENTICATED'],
      [platform, '/export/institutions.csv', 403, 'FORBIDDEN'],
      [editor, '/export/institutions.csv?filter=%7Bnot-json', 400, 'BAD_REQUEST'],
      [editor, `/export/institutions.csv?filter=${encodeURIComponent('{"provinceCode":"99"}')}`, 400, 'BAD_USER_INPUT'],
      [editor, `/export/institutions.csv?filter=${encodeURIComponent('{"noSuchField":1}')}`, 400, 'BAD_USER_INPUT'],
      [editor, '/export/secrets.csv', 404, 'NOT_FOUND'],
    ];
    for (const [client, path, status, code] of cases) {
      const res = await download(client, path);
      const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
      expect([path, res.status, body.errors[0].extensions.code]).toEqual([path, status, code]);
      expect(res.headers.get('content-disposition')).toBeNull();
    }
  });
});

describe('POST /import/<list>.csv (issue 29)', () => {
  const upload = (client: Client | null, path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv', ...(client?.token ? { authorization: `Bearer ${client.token}` } : {}), ...headers },
      body,
    });
  const csv = (n: number, from = 0) =>
    [
      'externalId,name,type,provinceCode,annualCapacity',
      ...Array.from({ length: n }, (_, i) => `UP-${from + i},BLK Upload ${from + i},TRAINING_CENTRE,35,${10 + i}`),
    ].join('\n');

  it("imports a file as importCsv does — report, records, audit event — and a ministry's own download comes back unchanged", async () => {
    const events = () => t.em().getConnection().execute<{ n: number }[]>("select count(*)::int as n from audit_event where operation = 'importCsv'");
    const [{ n: before }] = await events();
    const res = await upload(editor, '/import/institutions.csv', csv(3000));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { data: { importCsv: { total: number; created: number; written: boolean } } };
    expect(body.data.importCsv).toMatchObject({ total: 3000, created: 3000, written: true });
    expect(await t.em().count('Institution', { externalId: { $like: 'UP-%' }, ownerMinistry: kemnaker.id })).toBe(3000);
    const [{ n: after }] = await events();
    expect(after).toBe(before + 1);
    // Round trip: the ministry's own export, uploaded, changes nothing.
    const exported = await (await download(editor, mine('institutions'))).text();
    const again = (await (await upload(editor, '/import/institutions.csv', exported)).json()) as { data: { importCsv: { unchanged: number; failed: number } } };
    expect(again.data.importCsv.failed).toBe(0);
    expect(again.data.importCsv.unchanged).toBe(rowsOf(exported).length);
  });

  it('bad input, FORBIDDEN and UNAUTHENTICATED as HTTP statuses, and nothing written', async () => {
    const count = () => t.em().count('Institution', { externalId: { $like: 'BAD-%' } });
    const bad = await upload(editor, '/import/institutions.csv', 'externalId,name,type,provinceCode,annualCapacity\nBAD-1,,TRAINING_CENTRE,35,-5');
    const report = (await bad.json()) as { data: { importCsv: { failed: number; written: boolean; errors: { field: string }[] } } };
    expect(report.data.importCsv).toMatchObject({ failed: 1, written: false });
    expect((await upload(platform, '/import/institutions.csv', csv(1, 900))).status).toBe(403);
    const anonymous = await upload(null, '/import/institutions.csv', csv(1, 901));
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    expect((await upload(editor, '/import/nothing.csv', csv(1))).status).toBe(404);
    expect((await upload(editor, '/import/institutions.csv?mode=SOME', csv(1))).status).toBe(400);
    expect((await fetch(`${base}/import/institutions.csv`, { headers: { authorization: `Bearer ${editor.token}` } })).status).toBe(405);
    expect(await count()).toBe(0);
  });

  it("a logged-out token gets an anonymous caller's room: no upload, and a GraphQL body limited as before logging in", async () => {
    const session = await t.anonymous().raw('mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }', {
      e: editor.account!.email,
      p: TEST_PASSWORD,
    });
    const token = (session.data as { login: { token: string } }).login.token;
    const client = { token } as Client;
    const big = JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(100_000) } });
    const post = (tok: string) =>
      fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tok}` }, body: big });
    expect((await post(token)).status).toBe(200);
    expect((await upload(client, '/import/institutions.csv', csv(1, 950))).status).toBe(200);
    // Logged out through this server: it knows at once (another process within a few seconds).
    const out = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'mutation { logout }' }),
    });
    expect(((await out.json()) as { data: { logout: boolean } }).data.logout).toBe(true);
    expect((await post(token)).status).toBe(413);
    expect((await upload(client, '/import/institutions.csv', csv(1, 951))).status).toBe(401);
  });
});

describe('heavy work takes turns (issue 29)', () => {
  it("one account's flood of downloads gets its share and 429s with Retry-After; a light query is answered meanwhile", async () => {
    const flood = await Promise.all(Array.from({ length: 12 }, () => download(editor, mine('institutions'))));
    const statuses = flood.map((r) => r.status);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(2 * 2);
    const refused = flood.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    for (const r of refused) {
      expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(((await r.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
    }
    await Promise.all(flood.filter((r) => r.status === 200).map((r) => r.text()));
    // Another account is not held up by the first one's share.
    expect((await download(other, '/export/institutions.csv')).status).toBe(200);
  });

  it('heavy operations past an account share answer 429 TOO_MANY_REQUESTS with Retry-After, and light ones are never refused', async () => {
    const tight = await createApp({
      orm: t.orm,
      config: { ...t.config, heavyConcurrentOperations: 1, heavyPerAccount: 1, heavyQueueMs: 100 },
      log: pino({ level: 'silent' }),
    });
    const s = http.createServer(tight.handle);
    await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(s.address() as AddressInfo).port}/graphql`;
    const gql = (query: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${editor.token}` }, body: JSON.stringify({ query }) });
    try {
      const answers = await Promise.all([
        ...Array.from({ length: 6 }, () => gql('{ statistics { institutionCount institutionsByProvince { key count } } }')),
        ...Array.from({ length: 6 }, () => gql('{ viewer { email } }')),
      ]);
      const heavyOnes = answers.slice(0, 6);
      const lightOnes = answers.slice(6);
      expect(heavyOnes.filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(1);
      const busy = heavyOnes.filter((r) => r.status === 429);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0].headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await busy[0].json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code).toBe('TOO_MANY_REQUESTS');
      expect(lightOnes.map((r) => r.status)).toEqual(Array(6).fill(200));
    } finally {
      s.close();
      await tight.stop();
    }
  });

  it('a download whose reader stops reading is closed after a while, and its turn is given back', async () => {
    const before = downloadIdle.ms;
    downloadIdle.ms = 150;
    try {
      // A socket nobody reads: the first page fills it, and no drain ever comes.
      const socket = new Writable({ highWaterMark: 16, write: () => undefined }).on('error', () => undefined);
      const res = Object.assign(socket, { writeHead: () => undefined }) as never as http.ServerResponse;
      let pages = 0;
      const row = { externalId: 'X', name: 'BLK', type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 1, ownerMinistry: { code: 'KEMNAKER' } };
      const run = async () => {
        pages++;
        return {
          data: { institutions: { edges: Array.from({ length: 100 }, () => ({ node: row })), pageInfo: { hasNextPage: true, endCursor: `c${pages}` } } },
        };
      };
      const req = { method: 'GET', headers: {} } as http.IncomingMessage;
      const started = Date.now();
      await exportCsv(req, res, new URL('http://x/export/institutions.csv'), exportLists(app.schema, RESOURCES), run as never, 'idle-test');
      expect(Date.now() - started).toBeGreaterThanOrEqual(140);
      expect((res as unknown as { destroyed: boolean }).destroyed).toBe(true);
      expect(pages).toBe(1);
    } finally {
      downloadIdle.ms = before;
    }
  });
});
