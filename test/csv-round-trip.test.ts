/**
 * The CSV round trip (issue 32, item 5), on the demo data, through HTTP: a ministry's download, fed back as it
 * is, changes nothing and fails nothing — filtered to one province or not, with other ministries' shared rows
 * (masked where it may not read them) reported as skipped — and, edited in a spreadsheet, updates only the rows
 * edited. The attack round found every row failing (`externalId: is required`, `a row of KP2MI…`,
 * `"1990-**-**" is not a date`) and `written: true` for a file that changed nothing.
 */
import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/seed/demo';
import { toGlobalId } from '../src/shared/global-id';
import { serveOverHttp, type HttpServer } from './support/http-server';
import { Role, startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let server: HttpServer;
let base: string;
let editor: Client;

beforeAll(async () => {
  t = await startTestApp();
  await seedDemo(t.adminOrm);
  server = await serveOverHttp(t.app);
  base = server.base;
  editor = await t.as(Role.EDITOR, 'KEMENPERIN');
}, 120_000);
afterAll(async () => {
  await server?.close();
  await t?.close();
});

interface Report {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  skipped: number;
  written: boolean;
  errors: { line: number; field: string; message: string }[];
}

async function download(list: string, filter?: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${base}/export/${list}.csv${filter ? `?filter=${encodeURIComponent(JSON.stringify(filter))}` : ''}`, {
    headers: { authorization: `Bearer ${editor.token}` },
  });
  expect(res.status).toBe(200);
  return res.text();
}

async function upload(list: string, csv: string): Promise<Report> {
  const res = await fetch(`${base}/import/${list}.csv`, {
    method: 'POST',
    headers: { 'content-type': 'text/csv', authorization: `Bearer ${editor.token}` },
    body: csv,
  });
  const body = (await res.json()) as { data?: { importCsv: Report }; errors?: unknown };
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data!.importCsv;
}

const rowsOf = (csv: string) => parse(csv, { columns: true, bom: true }) as Record<string, string>[];

describe("a ministry's own download, imported back", () => {
  it('institutions of one province: every row unchanged, nothing written', async () => {
    const [{ province }] = await t
      .em()
      .getConnection()
      .execute<{ province: string }[]>(
        `select province_code as province from institution i join ministry m on m.id = i.owner_ministry_id where m.code = 'KEMENPERIN'
          group by 1 order by count(*) desc limit 1`,
      );
    const csv = await download('institutions', { provinceCode: province });
    const rows = rowsOf(csv);
    expect(rows.length).toBeGreaterThan(50);
    // The demo's institutions have no externalId: the download's id finds them.
    expect(rows.every((r) => r.externalId === '' && r.id !== '')).toBe(true);
    const report = await upload('institutions', csv);
    expect(report).toMatchObject({ total: rows.length, created: 0, updated: 0, unchanged: rows.length, failed: 0, skipped: 0, written: false });
  });

  it('programmes, whose institutions have no externalId: every row unchanged', async () => {
    const csv = await download('programs', { ownerMinistryId: await ministryId('KEMENPERIN') });
    const rows = rowsOf(csv);
    expect(rows.length).toBeGreaterThan(100);
    const report = await upload('programs', csv);
    expect(report).toMatchObject({ total: rows.length, created: 0, updated: 0, unchanged: rows.length, failed: 0, written: false });
  });

  it("trainees, with another ministry's shared and masked rows: its own unchanged, the others skipped, none failed", async () => {
    const csv = await download('trainees');
    const rows = rowsOf(csv);
    const others = rows.filter((r) => r.ownerMinistry !== 'KEMENPERIN');
    expect(others.length).toBeGreaterThan(0);
    // Masked where KEMENPERIN may not read them (the clause shares no personal data).
    expect(others.some((r) => r.birthDate.includes('*'))).toBe(true);
    const report = await upload('trainees', csv);
    expect(report).toMatchObject({
      total: rows.length,
      created: 0,
      updated: 0,
      unchanged: rows.length - others.length,
      failed: 0,
      skipped: others.length,
      written: false,
    });
  });

  it('edited in a spreadsheet: only the edited rows are updated, and only those change', async () => {
    const csv = await download('institutions', { ownerMinistryId: await ministryId('KEMENPERIN') });
    const rows = rowsOf(csv);
    const edited = rows.map((r, i) => (i < 3 ? { ...r, name: `${r.name} (renamed)`, annualCapacity: String(Number(r.annualCapacity) + 1) } : r));
    const report = await upload('institutions', stringify(edited, { header: true, columns: Object.keys(rows[0]) }));
    expect(report).toMatchObject({ created: 0, updated: 3, unchanged: rows.length - 3, failed: 0, written: true });
    const again = rowsOf(await download('institutions', { ownerMinistryId: await ministryId('KEMENPERIN') }));
    const byId = new Map(again.map((r) => [r.id, r]));
    for (const r of edited.slice(0, 3)) expect(byId.get(r.id)).toMatchObject({ name: r.name, annualCapacity: r.annualCapacity });
    // A row naming another ministry's record by id is refused, never written.
    const [foreign] = rowsOf(await download('institutions', { ownerMinistryId: await ministryId('KEMNAKER') }).catch(() => 'id\n'));
    if (foreign) {
      const stolen = { ...rows[3], id: foreign.id, name: 'Taken over' };
      const refused = await upload('institutions', stringify([stolen], { header: true, columns: Object.keys(rows[0]) }));
      expect(refused).toMatchObject({ failed: 1, written: false });
      expect(refused.errors[0]).toMatchObject({ field: 'id' });
    }
  });
});

async function ministryId(code: string): Promise<string> {
  const [{ id }] = await t.em().getConnection().execute<{ id: string }[]>('select id from ministry where code = ?', [code]);
  return toGlobalId('Ministry', id);
}
