/**
 * A generated corpus of malformed inputs (issue 9): every root operation's
 * representative call (support/operations.ts), with each of its arguments in
 * turn replaced by hostile values — NUL bytes, lone surrogates, control and
 * bidi characters, blank and zero-width text, over-long strings, wrong types,
 * out-of-range and fractional numbers, impossible and implausible dates,
 * forged ids and cursors — plus random Unicode from fast-check, and CSV
 * imports carrying the same. Bad input is the caller's error, always: not one
 * answer may be a 5xx or INTERNAL_SERVER_ERROR, and a refused input writes
 * nothing (the audit log, one event per successful mutation, stays as it was).
 */
import fc from 'fast-check';
import { parse, print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditEvent } from '../src/modules/audit/audit-event.entity';
import { toGlobalId } from '../src/shared/global-id';
import { cells, COLUMNS, MATRIX } from './permission-matrix';
import { rootOperations, type Operations } from './support/operations';
import { startTestApp, type Client, type TestApp } from './support/test-app';

let t: TestApp;
let clients: Map<string, Client>;
let OPS: Operations;
beforeAll(async () => {
  t = await startTestApp();
  ({ clients, OPS } = await rootOperations(t));
});
afterAll(() => t.close());

const BAD_STRINGS: unknown[] = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfff',
  '',
  '   ',
  '\u200b\u200b\u2060',
  'A\u202eevil',
  '\u001b[31mred\u001b[0m',
  'line\nbreak\ttab',
  'x'.repeat(256),
  'x'.repeat(301),
  'y'.repeat(5_001),
  'z'.repeat(20_000),
  '0000-01-01',
  '9999-12-31',
  '2025-02-30',
  '-1',
  '1e309',
  '=HYPERLINK("http://x")',
  "'; drop table trainee; --",
  '{"$ne": null}',
  42,
  true,
  { nested: 'object' },
  ['list'],
];
const BAD_NUMBERS: unknown[] = [-1, 1.5, 2 ** 31, -(2 ** 31) - 1, 1e20, 'abc', '12', true, null];
const BAD_DATES: unknown[] = ['0000-01-01', '0001-01-01', '1899-12-31', '9999-12-31', '2025-13-01', '2025-02-30', 'tomorrow', '', 20250101];
const BAD_IDS: unknown[] = [
  '',
  'x',
  toGlobalId('Institution', 'not-a-uuid'),
  toGlobalId('Nope', '01a00000-0000-7000-8000-000000000000'),
  Buffer.from('\u0000:\u0000').toString('base64url'),
  'A'.repeat(5000),
];
const BAD_CURSORS: unknown[] = [
  '',
  'x',
  Buffer.from('["1998-04-12","x"]').toString('base64url'),
  Buffer.from('after:../../etc').toString('base64url'),
  '%%%',
  'A'.repeat(3000),
];
// Random Unicode, including astral planes, as fast-check generates it (seeded: the corpus is the same every run).
const RANDOM_TEXT = fc.sample(fc.string({ unit: 'binary', maxLength: 40 }), { seed: 8, numRuns: 40 });

/** Every leaf of `value` with its path, so each can be replaced in turn. */
function leaves(value: unknown, path: (string | number)[] = []): { path: (string | number)[]; value: unknown }[] {
  if (Array.isArray(value)) return value.length ? value.flatMap((v, i) => leaves(v, [...path, i])) : [{ path, value }];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => leaves(v, [...path, k]));
  return [{ path, value }];
}

function replaced(vars: Record<string, unknown>, path: (string | number)[], bad: unknown): Record<string, unknown> {
  const copy = structuredClone(vars);
  let at: any = copy;
  for (const key of path.slice(0, -1)) at = at[key];
  at[path.at(-1)!] = bad;
  return copy;
}

function badValuesFor(path: (string | number)[], value: unknown): unknown[] {
  const name = String(path.filter((p) => typeof p === 'string').at(-1) ?? '');
  if (/date|On$|From|Until|Since/i.test(name)) return BAD_DATES;
  if (/(^|\b)id$|Id$|Ids$/.test(name) || name === 'id') return BAD_IDS;
  if (typeof value === 'number') return BAD_NUMBERS;
  if (typeof value === 'boolean') return ['yes', 1, null];
  return [...BAD_STRINGS, ...RANDOM_TEXT];
}

/** The role that may call `name`: the one its representative call is made for. */
function clientFor(kind: 'query' | 'mutation', name: string): Client {
  if (name === 'login') return clients.get('ANONYMOUS')!;
  const row = cells(MATRIX[kind][name]);
  const role = ['ADMIN', 'EDITOR', 'PLATFORM_ADMIN', 'AUDITOR', 'VIEWER'].find((r) => row[COLUMNS.indexOf(r as never)] !== '-')!;
  return clients.get(role)!;
}

const auditCount = () => t.em().count(AuditEvent, {});

describe('malformed-input corpus', () => {
  it("answers every malformed input as the caller's error, and writes nothing for a refused one", async () => {
    let sent = 0;
    const internal: string[] = [];
    const wrote: string[] = [];
    const codes = new Map<string, number>();
    const note = (
      label: string,
      res: { errors?: readonly { extensions?: Record<string, unknown> }[]; http?: { status?: number } },
      before: number,
      after: number,
    ) => {
      sent++;
      for (const e of res.errors ?? []) {
        const code = String(e.extensions?.code);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (code === 'INTERNAL_SERVER_ERROR') internal.push(`${label}: ${JSON.stringify(e)}`);
      }
      if ((res.http?.status ?? 200) >= 500) internal.push(`${label}: HTTP ${res.http?.status}`);
      if (res.errors?.length && after !== before) wrote.push(label);
    };

    for (const kind of ['query', 'mutation'] as const) {
      for (const name of Object.keys(MATRIX[kind])) {
        const op = await OPS[name]();
        const client = clientFor(kind, name);
        const document = parse(op.query);
        const base = op.variables ?? {};
        const cases: { label: string; variables: Record<string, unknown> }[] = [];
        for (const leaf of leaves(base)) {
          if (leaf.path.length === 0) continue;
          for (const bad of badValuesFor(leaf.path, leaf.value))
            cases.push({ label: `${name} ${leaf.path.join('.')}=${JSON.stringify(bad)?.slice(0, 40)}`, variables: replaced(base, leaf.path, bad) });
        }
        // Every operation also gets its variables missing, null, and of the wrong shape.
        cases.push({ label: `${name} no variables`, variables: {} });
        for (const key of Object.keys(base))
          cases.push({ label: `${name} ${key}=null`, variables: { ...base, [key]: null } }, { label: `${name} ${key}=[]`, variables: { ...base, [key]: [] } });
        for (const { label, variables } of cases) {
          const before = kind === 'mutation' ? await auditCount() : 0;
          const res = await client.raw(print(document), variables);
          note(label, res as never, before, kind === 'mutation' ? await auditCount() : 0);
        }
      }
    }

    // Lists with forged cursors and hostile filters.
    const viewer = clients.get('VIEWER')!;
    for (const list of ['institutions', 'programs', 'trainees', 'enrollments', 'returneeBusinesses', 'mous', 'auditEvents']) {
      const who = list === 'auditEvents' ? clients.get('AUDITOR')! : viewer;
      for (const arg of ['after', 'before']) {
        for (const bad of BAD_CURSORS)
          note(
            `${list} ${arg}`,
            await who.raw(`query($c: String) { ${list}(${arg}: $c, ${arg === 'before' ? 'last' : 'first'}: 5) { totalCount } }`, { c: bad }),
            0,
            0,
          );
      }
      for (const bad of [-1, 1001, 2 ** 31, 1.5, 'ten'])
        note(`${list} first`, await who.raw(`query($n: Int) { ${list}(first: $n) { totalCount } }`, { n: bad }), 0, 0);
    }
    for (const bad of [...BAD_STRINGS, ...RANDOM_TEXT]) {
      note('trainees filter.search', await viewer.raw('query($s: String) { trainees(filter: { search: $s }) { totalCount } }', { s: bad }), 0, 0);
      note('trainees filter.nik', await viewer.raw('query($s: String) { trainees(filter: { nik: $s }) { totalCount } }', { s: bad }), 0, 0);
      note(
        'relation cursor',
        await viewer.raw('query($c: String) { institutions(first: 1) { edges { node { programs(after: $c) { totalCount } } } } }', { c: bad }),
        0,
        0,
      );
    }

    // CSV imports carrying the same.
    const editor = clients.get('EDITOR')!;
    const IMPORT = 'mutation($k: ImportKind!, $csv: String!) { importCsv(kind: $k, csv: $csv) { total failed written } }';
    for (const bad of [...BAD_STRINGS, ...RANDOM_TEXT].filter((v) => typeof v === 'string') as string[]) {
      const cell = `"${bad.replace(/"/g, '""')}"`;
      const files: [string, string][] = [
        ['INSTITUTIONS', `externalId,name,type,provinceCode,annualCapacity\nX-1,${cell},TRAINING_CENTRE,35,10\n`],
        ['TRAINEES', `externalId,nik,fullName,sex,birthDate,originProvinceCode\nX-1,${cell},Nama,FEMALE,1998-04-12,35\n`],
        ['PROGRAMS', `externalId,institutionExternalId,title,sector,capacityPerIntake,startDate\nX-1,X-1,Kursus,TOURISM,10,${cell}\n`],
      ];
      for (const [kind, csv] of files) {
        const before = await auditCount();
        const res = await editor.raw(IMPORT, { k: kind, csv });
        // An import that writes nothing still reports (and leaves no event only when it is refused outright).
        const wroteRows = (res.data as { importCsv?: { written: boolean } } | null)?.importCsv?.written;
        note(`importCsv ${kind} ${JSON.stringify(bad).slice(0, 30)}`, res as never, before, wroteRows || !res.errors ? before : await auditCount());
      }
    }

    console.log(
      `malformed-input corpus: ${sent} inputs sent; ${internal.length} internal errors; ${wrote.length} refused inputs that wrote; answers by code ${JSON.stringify(Object.fromEntries(codes))}`,
    );
    expect(sent).toBeGreaterThanOrEqual(1500);
    expect(internal).toEqual([]);
    expect(wrote).toEqual([]);
  }, 600_000);
});
