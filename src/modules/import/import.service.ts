/**
 * Bulk import of a ministry's institutions, programmes or trainees from CSV.
 * Every row is validated with the rules of the create mutations (the same
 * input classes and checks); the report names each bad row's line, field and
 * reason. Rows land in the importing ministry only. Re-importing a file is
 * idempotent: rows are matched by `externalId`, unchanged ones are left alone.
 *
 * Modes: ALL_OR_NOTHING (the default: a ministry's list is loaded as a unit,
 * so one bad row writes nothing and the report lists every problem) or
 * GOOD_ROWS_ONLY (good rows are written, bad rows reported).
 */
import { assertOpenDestinations } from '../country/country.rules';
import { destinationCountries } from '../country/country.service';
import type { DestinationCountry } from '../country/country.entity';
import { parse as parseStream } from 'csv-parse';
import { requireOwnMinistry } from '../../access/guards';
import { Pacer } from '../../shared/pacing';
import { summariseChanges } from '../audit/audit.collector';
import { flushOrExplain } from '../../kernel/owned-crud';
import { validate } from 'class-validator';
import type { Context } from '../../context';
import { badUserInput } from '../../shared/errors';
import { Ministry } from '../../kernel/ministry.entity';
import { Institution } from '../institution/institution.entity';
import { CreateInstitutionInput } from '../institution/institution.inputs';
import { Program } from '../program/program.entity';
import { CreateProgramInput } from '../program/program.inputs';
import { assertDateOrder } from '../program/program.rules';
import { Trainee } from '../trainee/trainee.entity';
import { CreateTraineeInput } from '../trainee/trainee.inputs';
import { assertNikConsistent } from '../trainee/trainee.rules';
import { convert, LAYOUTS, type Column, type ImportKindName } from './import.columns';

export type ImportModeName = 'ALL_OR_NOTHING' | 'GOOD_ROWS_ONLY';
export interface RowError { line: number; field: string; message: string }
export interface ImportResult { total: number; created: number; updated: number; unchanged: number; failed: number; written: boolean; errors: RowError[] }

const INPUT = { INSTITUTIONS: CreateInstitutionInput, PROGRAMS: CreateProgramInput, TRAINEES: CreateTraineeInput } as const;
const ENTITY = { INSTITUTIONS: Institution, PROGRAMS: Program, TRAINEES: Trainee } as const;
/** Columns that are not entity properties. */
const NOT_STORED = new Set(['institutionExternalId']);
const MAX_REPORTED_ERRORS = 1000;
/** Rows written per flush: each flush computes its change sets in one go, so keep it short. */
const FLUSH_EVERY = 200;
/** CSV text parsed per slice of work. */
const PARSE_CHUNK = 16 * 1024;

type ParsedRecord = { record: Record<string, string>; info: { lines: number } };

/** Parses in chunks, breathing between them, so a multi-megabyte file never holds the event loop. */
async function parseInChunks(text: string, pacer: Pacer): Promise<ParsedRecord[]> {
  const records: ParsedRecord[] = [];
  const parser = parseStream({ columns: true, skip_empty_lines: true, bom: true, info: true, relax_column_count: true });
  // The first error wins and ends the parse; it is thrown below, never left as an unhandled event.
  let failure: Error | null = null;
  parser.on('error', (e: Error) => (failure ??= e));
  parser.on('readable', () => {
    for (let r = parser.read(); r !== null; r = parser.read()) records.push(r as ParsedRecord);
  });
  const finished = new Promise<void>((resolve) => {
    parser.once('end', resolve);
    parser.once('close', resolve);
    parser.once('error', () => resolve());
  });
  for (let i = 0; i < text.length && !failure; i += PARSE_CHUNK) {
    parser.write(text.slice(i, i + PARSE_CHUNK));
    // Let the parser's 'readable' turn run before the next write: unread output would make later
    // writes queue up and then parse all at once.
    await new Promise<void>((resolve) => setImmediate(resolve));
    await pacer.tick();
  }
  if (!failure) parser.end();
  else parser.destroy();
  await finished;
  if (failure) throw failure;
  return records;
}

interface GoodRow { line: number; values: Record<string, unknown> }

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

export async function importCsv(ctx: Context, kind: ImportKindName, text: string, mode: ImportModeName, onProgress?: (done: number, total: number) => void): Promise<ImportResult> {
  const layout: Column[] = LAYOUTS[kind];
  // The whole import shares the event loop with every other client: it paces itself (pacing.ts).
  const pacer = new Pacer();
  let records: ParsedRecord[];
  try {
    records = await parseInChunks(text, pacer);
  } catch (e) {
    throw badUserInput(`Not readable as CSV: ${(e as Error).message}`, 'csv');
  }
  const header = records.length ? Object.keys(records[0].record) : [];
  const missing = layout.filter((c) => c.required && !header.includes(c.name)).map((c) => c.name);
  const unknown = header.filter((h) => !layout.some((c) => c.name === h));
  if (missing.length || unknown.length) {
    throw badUserInput(`Header: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unknown.length ? '; ' : ''}${unknown.length ? `unknown ${unknown.join(', ')}` : ''}. Expected columns: ${layout.map((c) => c.name).join(', ')}.`, 'csv');
  }

  const errors: RowError[] = [];
  const good: GoodRow[] = [];
  const seen = new Map<string, number>();
  const seenNik = new Map<string, number>();
  const countries = await destinationCountries(ctx);
  const own = requireOwnMinistry(ctx);
  const institutions = kind === 'PROGRAMS' ? await institutionsByExternalId(ctx, records.map((r) => r.record.institutionExternalId)) : new Map();

  for (const [i, { record, info }] of records.entries()) {
    const line = info.lines;
    const before = errors.length;
    const values: Record<string, unknown> = {};
    for (const column of layout) {
      const res = convert(column, record[column.name]);
      if ('error' in res) errors.push({ line, field: column.name, message: res.error });
      else if (res.value !== undefined) values[column.name] = res.value;
    }
    if (errors.length === before) {
      // The create mutation's own input class and validation rules.
      const { institutionExternalId: _ref, ...inputValues } = values;
      const input = Object.assign(new INPUT[kind](), inputValues, kind === 'PROGRAMS' ? { institutionId: 'csv' } : {});
      for (const v of await validate(input, { forbidUnknownValues: false })) {
        errors.push({ line, field: v.property, message: Object.values(v.constraints ?? {})[0] ?? 'is invalid' });
      }
    }
    if (errors.length === before) {
      try {
        businessRules(kind, values, countries, institutions);
      } catch (e) {
        const ext = (e as { extensions?: { field?: string } }).extensions;
        errors.push({ line, field: String(ext?.field ?? '').replace(/^input\./, ''), message: (e as Error).message });
      }
    }
    const ext = String(values.externalId ?? '');
    if (ext && seen.has(ext)) errors.push({ line, field: 'externalId', message: `repeats line ${seen.get(ext)}` });
    else if (ext) seen.set(ext, line);
    const nik = kind === 'TRAINEES' && values.nik ? String(values.nik) : '';
    if (nik && seenNik.has(nik)) errors.push({ line, field: 'nik', message: `repeats the NIK of line ${seenNik.get(nik)}` });
    else if (nik) seenNik.set(nik, line);
    if (errors.length === before) good.push({ line, values });
    if (i % 500 === 0) onProgress?.(i, records.length * 2);
    await pacer.tick();
  }

  // A NIK already on record in your ministry for another trainee (another externalId) is that line's error,
  // found before anything is written rather than as one failed insert for the whole file.
  if (kind === 'TRAINEES') {
    const onRecord = await traineesByNik(ctx, good.map((g) => String(g.values.nik)));
    for (const g of [...good]) {
      const other = onRecord.get(String(g.values.nik));
      if (other && other.externalId !== g.values.externalId) {
        errors.push({ line: g.line, field: 'nik', message: `is on record already for another trainee of your ministry${other.externalId ? ` (externalId ${other.externalId})` : ''}` });
        good.splice(good.indexOf(g), 1);
      }
    }
    errors.sort((a, b) => a.line - b.line);
  }
  const failed = new Set(errors.map((e) => e.line)).size;
  const result: ImportResult = { total: records.length, created: 0, updated: 0, unchanged: 0, failed, written: false, errors: errors.slice(0, MAX_REPORTED_ERRORS) };
  if (mode === 'ALL_OR_NOTHING' && failed > 0) return result;

  summariseChanges(ctx.em);
  // Batch by batch, each with its own lookup of existing rows, and the identity map emptied after each
  // flush: a flush compares every entity the EntityManager holds, so a growing map would make each
  // flush slower than the last and hold the event loop.
  for (let b = 0; b < good.length; b += FLUSH_EVERY) {
    const batch = good.slice(b, b + FLUSH_EVERY);
    const existing = await existingByExternalId(ctx, kind, batch.map((g) => String(g.values.externalId)));
    const owner = ctx.em.getReference(Ministry, own);
    for (const g of batch) {
      const { institutionExternalId, ...props } = g.values;
      if (kind === 'PROGRAMS') props.institution = ctx.em.getReference(Institution, institutions.get(String(institutionExternalId))!.id);
      const row = existing.get(String(props.externalId));
      if (!row) {
        ctx.em.create(ENTITY[kind] as typeof Institution, { ...props, ownerMinistry: owner } as never);
        result.created++;
      } else {
        const changed = Object.entries(props).filter(([k, v]) => !NOT_STORED.has(k) && !same(k === 'institution' ? (v as { id: string }).id : v, k === 'institution' ? (row as Program).institution.id : (row as unknown as Record<string, unknown>)[k]));
        if (changed.length === 0) result.unchanged++;
        else {
          for (const [k, v] of changed) (row as unknown as Record<string, unknown>)[k] = v;
          result.updated++;
        }
      }
      await pacer.tick();
    }
    await flushOrExplain(ctx);
    ctx.em.clear();
    onProgress?.(records.length + b + batch.length, records.length * 2);
    await pacer.tick();
  }
  onProgress?.(records.length * 2, records.length * 2);
  result.written = true;
  // The audit event of this mutation records the import as a summary, not one entry per row.
  ctx.auditSummary = [{ entity: ENTITY[kind].name, op: 'import', mode, total: result.total, created: result.created, updated: result.updated, unchanged: result.unchanged, failed: result.failed }];
  return result;
}

function businessRules(kind: ImportKindName, v: Record<string, unknown>, countries: Map<string, DestinationCountry>, institutions: Map<string, Institution>) {
  if (kind === 'TRAINEES') assertNikConsistent(String(v.nik), String(v.birthDate), v.sex as never);
  if (kind === 'PROGRAMS') {
    if (!institutions.has(String(v.institutionExternalId))) throw badUserInput('No institution of your ministry with this externalId.', 'institutionExternalId');
    assertDateOrder(v.startDate as string | undefined, v.endDate as string | undefined, 'endDate');
    assertOpenDestinations(countries, (v.targetCountryCodes as string[] | undefined) ?? [], 'targetCountryCodes');
  }
}

async function traineesByNik(ctx: Context, niks: string[]): Promise<Map<string, Trainee>> {
  const out = new Map<string, Trainee>();
  for (let i = 0; i < niks.length; i += 500) {
    for (const r of await ctx.em.find(Trainee, { ownerMinistry: requireOwnMinistry(ctx), nik: { $in: niks.slice(i, i + 500) } })) out.set(r.nik, r);
  }
  return out;
}

async function institutionsByExternalId(ctx: Context, ids: (string | undefined)[]): Promise<Map<string, Institution>> {
  const wanted = [...new Set(ids.filter((x): x is string => !!x))];
  const rows = wanted.length ? await ctx.em.find(Institution, { ownerMinistry: requireOwnMinistry(ctx), externalId: { $in: wanted } }) : [];
  return new Map(rows.map((r) => [r.externalId!, r]));
}

async function existingByExternalId(ctx: Context, kind: ImportKindName, ids: string[]): Promise<Map<string, Institution | Program | Trainee>> {
  const out = new Map<string, Institution | Program | Trainee>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await ctx.em.find(ENTITY[kind] as typeof Institution, { ownerMinistry: requireOwnMinistry(ctx), externalId: { $in: ids.slice(i, i + 500) } });
    for (const r of rows) out.set(r.externalId!, r);
  }
  return out;
}
