/**
 * Bulk import of a ministry's records from CSV, for every resource that
 * declares an `importer` (its columns and rules). Every row is validated with
 * the rules of the create mutation (the same input class, the same domain
 * rule functions, the same error mapping); the report names each bad row's
 * line, field and reason. Rows land in the importing ministry only.
 * Re-importing a file is idempotent: rows are matched by `id` (the global id
 * a download carries) or else by `externalId`, and unchanged ones are left
 * alone. Rows of other ministries (a download carries those shared with you,
 * masked where you may not read them) are skipped and reported so, never
 * written and never errors: a ministry's own download, edited in a
 * spreadsheet, comes back with only its edited rows `updated`.
 *
 * Modes: ALL_OR_NOTHING (the default: a ministry's list is loaded as a unit,
 * so one bad row writes nothing and the report lists every problem) or
 * GOOD_ROWS_ONLY (good rows are written, bad rows reported).
 */
import { parse as parseStream } from 'csv-parse';
import type { FilterQuery } from '@mikro-orm/core';
import { validate } from 'class-validator';
import type { ClassType } from 'type-graphql';
import { requireOwnMinistry } from './guards';
import { Pacer } from '../shared/pacing';
import type { Context } from '../context';
import { badUserInput } from '../shared/errors';
import { Ministry } from '../data/ministry.entity';
import { flushOrExplain } from './owned-crud';
import { convert, type Column } from './csv-columns';
import { ID_COLUMN, isReferenceColumn, OWNER_COLUMN } from './csv-layout';
import { parseGlobalId } from '../shared/global-id';
import { restoreCell } from '../shared/csv-safety';

export type ImportModeName = 'ALL_OR_NOTHING' | 'GOOD_ROWS_ONLY';
export interface RowError {
  line: number;
  field: string;
  message: string;
}
export interface ImportResult {
  total: number;
  created: number;
  updated: number;
  unchanged: number;
  failed: number;
  written: boolean;
  errors: RowError[];
  skipped: number;
  skips: RowError[];
}
export interface GoodRow {
  line: number;
  values: Record<string, unknown>;
  /** The record the row's `id` names (an update of it), if it named one. */
  id?: string;
}

/** What a resource declares to be importable. */
export interface ImportSpec<L = unknown> {
  /** The value of `ImportKind`, e.g. `TRAINEES`. */
  kind: string;
  entity: ClassType<object>;
  /** The create mutation's input class: every row is validated as that mutation would validate it. */
  input: ClassType<object>;
  columns: readonly Column[];
  /** The create input of a converted row (default: the row's values). */
  toInput?(values: Record<string, unknown>): object;
  /** Loads what the file's rows refer to, once per file (e.g. your institutions by externalId). */
  load?(ctx: Context, rows: readonly Record<string, unknown>[]): Promise<L>;
  /**
   * The create mutation's domain rules for one row (errors name a column); returns the properties to store, relations
   * as ids. `matched`: the row names its record by `id`, so a reference it leaves empty keeps the record's own.
   */
  row(values: Record<string, unknown>, loaded: L, ctx: Context, matched: boolean): Record<string, unknown> | Promise<Record<string, unknown>>;
  /** Columns that must not repeat within one file, besides externalId, with how a message names them. */
  uniqueInFile?: Readonly<Record<string, string>>;
  /** Rows that clash with records on file, found before anything is written. */
  clashes?(ctx: Context, rows: readonly GoodRow[]): Promise<RowError[]>;
}

/** What a resource declares of its import: its rules. The kind, entity, input and columns come from its fields. */
export type ImportRules<L = unknown> = Omit<ImportSpec<L>, 'kind' | 'entity' | 'input' | 'columns'>;

/** Declares an import's rules with its loaded-data type checked against them. */
export const importRules = <L>(rules: ImportRules<L>): ImportRules => rules as ImportRules;

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

const plain = (v: unknown): unknown => (v && typeof v === 'object' && !Array.isArray(v) && 'id' in v ? (v as { id: unknown }).id : (v ?? null));
const same = (a: unknown, b: unknown) => JSON.stringify(plain(a)) === JSON.stringify(plain(b));

/** A domain rule's error as a row error: its field without the mutation's `input.` prefix. */
function rowError(line: number, e: unknown): RowError {
  const ext = (e as { extensions?: { field?: string } }).extensions;
  if (!ext) throw e;
  return { line, field: String(ext.field ?? '').replace(/^input\./, ''), message: (e as Error).message };
}

export async function importCsv(
  ctx: Context,
  spec: ImportSpec,
  text: string,
  mode: ImportModeName,
  hooks: { onProgress?: (done: number, total: number) => void; beforeWrite?: () => void } = {},
): Promise<ImportResult> {
  const { onProgress } = hooks;
  const layout = spec.columns;
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
  // `ownerMinistry`, which an export writes (csv-layout.ts), is accepted and must name the importer's ministry.
  const unknown = header.filter((h) => h !== OWNER_COLUMN && h !== ID_COLUMN && !layout.some((c) => c.name === h));
  if (missing.length || unknown.length) {
    throw badUserInput(
      `Header: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && unknown.length ? '; ' : ''}${unknown.length ? `unknown ${unknown.join(', ')}` : ''}. Expected columns: ${layout.map((c) => c.name).join(', ')}.`,
      'csv',
    );
  }
  const own = requireOwnMinistry(ctx);
  const ownCode = header.includes(OWNER_COLUMN) ? (await ctx.loaders.byId(Ministry).load(own))?.code : undefined;

  // Pass 1: each cell converted, each row validated as the create mutation's input.
  const errors: RowError[] = [];
  const skips: RowError[] = [];
  const converted: GoodRow[] = [];
  const seen = new Map<string, Map<string, number>>();
  for (const [i, { record, info }] of records.entries()) {
    const line = info.lines;
    // Another ministry's row (shared with you, masked where you may not read it): left alone, and said so.
    const owner = restoreCell(record[OWNER_COLUMN] ?? '').trim();
    if (owner && owner.toUpperCase() !== ownCode?.toUpperCase()) {
      skips.push({ line, field: OWNER_COLUMN, message: `a row of ${owner}: an import writes only your own ministry's records, so it was left alone` });
      continue;
    }
    const before = errors.length;
    const named = restoreCell(record[ID_COLUMN] ?? '').trim();
    const id = named ? parseGlobalId(named) : null;
    if (named && (!id || id.type !== spec.entity.name)) errors.push({ line, field: ID_COLUMN, message: `is not the id of a ${spec.entity.name}` });
    const values: Record<string, unknown> = {};
    for (const column of layout) {
      // A row that names its record by id keeps the record's own externalId and references where its cells are empty.
      const keeps = !!id && (column.name === 'externalId' || isReferenceColumn(column.name)) && !restoreCell(record[column.name] ?? '').trim();
      const res = keeps ? { value: undefined } : convert(column, record[column.name]);
      if ('error' in res) errors.push({ line, field: column.name, message: res.error });
      else if (res.value !== undefined) values[column.name] = res.value;
    }
    if (errors.length === before) {
      const input = Object.assign(new spec.input(), spec.toInput ? spec.toInput(values) : values);
      for (const v of await validate(input, { forbidUnknownValues: false })) {
        errors.push({ line, field: v.property, message: Object.values(v.constraints ?? {})[0] ?? 'is invalid' });
      }
    }
    for (const column of [ID_COLUMN, 'externalId', ...Object.keys(spec.uniqueInFile ?? {})]) {
      const value = column === ID_COLUMN ? (id?.id ?? '') : values[column] == null ? '' : String(values[column]);
      const lines = seen.get(column) ?? new Map<string, number>();
      seen.set(column, lines);
      if (value && lines.has(value))
        errors.push({
          line,
          field: column,
          message:
            column === 'externalId' || column === ID_COLUMN
              ? `repeats line ${lines.get(value)}`
              : `repeats the ${spec.uniqueInFile?.[column] ?? column} of line ${lines.get(value)}`,
        });
      else if (value) lines.set(value, line);
    }
    if (errors.length === before) converted.push({ line, values, ...(id ? { id: id.id } : {}) });
    if (i % 500 === 0) onProgress?.(i, records.length * 2);
    await pacer.tick();
  }

  // Pass 2: the create mutation's domain rules, with what the rows refer to loaded once.
  const loaded = spec.load
    ? await spec.load(
        ctx,
        converted.map((g) => g.values),
      )
    : undefined;
  // Rows that name their record by id: it must be one of yours.
  const byId = await existingById(
    ctx,
    spec.entity,
    own,
    converted.flatMap((g) => (g.id ? [g.id] : [])),
  );
  let good: GoodRow[] = [];
  for (const g of converted) {
    if (g.id && !byId.has(g.id)) {
      errors.push({ line: g.line, field: ID_COLUMN, message: 'no record of your ministry has this id' });
      continue;
    }
    try {
      good.push({ line: g.line, values: await spec.row(g.values, loaded, ctx, !!g.id), ...(g.id ? { id: g.id } : {}) });
    } catch (e) {
      errors.push(rowError(g.line, e));
    }
  }
  // Clashes with records on file (e.g. a NIK on record for another trainee) are that line's error,
  // found before anything is written rather than as one failed insert for the whole file.
  if (spec.clashes) {
    const clashes = await spec.clashes(ctx, good);
    const bad = new Set(clashes.map((c) => c.line));
    errors.push(...clashes);
    good = good.filter((g) => !bad.has(g.line));
  }
  errors.sort((a, b) => a.line - b.line);
  const failed = new Set(errors.map((e) => e.line)).size;
  const result: ImportResult = {
    total: records.length,
    created: 0,
    updated: 0,
    unchanged: 0,
    failed,
    written: false,
    errors: errors.slice(0, MAX_REPORTED_ERRORS),
    skipped: skips.length,
    skips: skips.slice(0, MAX_REPORTED_ERRORS),
  };
  if (mode === 'ALL_OR_NOTHING' && failed > 0) return result;

  hooks.beforeWrite?.();
  // Batch by batch, each with its own lookup of existing rows, and the identity map emptied after each
  // flush: a flush compares every entity the EntityManager holds, so a growing map would make each
  // flush slower than the last and hold the event loop.
  for (let b = 0; b < good.length; b += FLUSH_EVERY) {
    const batch = good.slice(b, b + FLUSH_EVERY);
    const existing = await existingByExternalId(
      ctx,
      spec.entity,
      own,
      batch.flatMap((g) => (g.id || g.values.externalId == null ? [] : [String(g.values.externalId)])),
    );
    const named = await existingById(
      ctx,
      spec.entity,
      own,
      batch.flatMap((g) => (g.id ? [g.id] : [])),
    );
    const owner = ctx.em.getReference(Ministry, own);
    for (const g of batch) {
      const row = (g.id ? named.get(g.id) : existing.get(String(g.values.externalId))) as Record<string, unknown> | undefined;
      if (!row) {
        ctx.em.create(spec.entity, { ...g.values, ownerMinistry: owner } as never);
        result.created++;
      } else {
        const changed = Object.entries(g.values).filter(([k, v]) => !same(v, row[k]));
        if (changed.length === 0) result.unchanged++;
        else {
          // assign, not plain sets: it turns ids of relations into references.
          ctx.em.assign(row, Object.fromEntries(changed));
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
  // Written: a row created or changed. A file whose every row was already on file wrote nothing.
  result.written = result.created + result.updated > 0;
  // The audit event of this mutation records the import as a summary, not one entry per row.
  ctx.mutation.summary = [
    {
      entity: spec.entity.name,
      op: 'import',
      mode,
      total: result.total,
      created: result.created,
      updated: result.updated,
      unchanged: result.unchanged,
      failed: result.failed,
    },
  ];
  return result;
}

async function existingById(ctx: Context, entity: ClassType<object>, own: string, ids: string[]): Promise<Map<string, object>> {
  const out = new Map<string, object>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = (await ctx.em.find(entity, { ownerMinistry: own, id: { $in: ids.slice(i, i + 500) } } as FilterQuery<object>)) as { id: string }[];
    for (const r of rows) out.set(r.id, r);
  }
  return out;
}

async function existingByExternalId(ctx: Context, entity: ClassType<object>, own: string, ids: string[]): Promise<Map<string, { externalId?: string | null }>> {
  const out = new Map<string, { externalId?: string | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = (await ctx.em.find(entity, { ownerMinistry: own, externalId: { $in: ids.slice(i, i + 500) } } as FilterQuery<object>)) as {
      externalId?: string | null;
    }[];
    for (const r of rows) if (r.externalId) out.set(r.externalId, r);
  }
  return out;
}
