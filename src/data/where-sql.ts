/**
 * The filters, cursors and orderings of a query's page as SQL, written here
 * instead of by the ORM's QueryBuilder: building and compiling that builder
 * (criteria nodes, a knex builder, its compiler) was a fifth of a point
 * read's CPU time. Only what pages use is written here: comparisons of one
 * column with plain values, combined by `$and`/`$or` — the scope filter, ids,
 * equality and `ilike` filters, keyset cursors. Anything else answers null
 * and the caller lets the ORM build the statement, so this never guesses at
 * what the ORM would do.
 *
 * Values become `?` placeholders (a list is one `in (?)`, which the ORM
 * expands per element and db/prepared.ts sends as one array parameter);
 * names come from the entity's metadata, never from a request.
 */
import { ReferenceKind, type EntityMetadata, type EntityProperty } from '@mikro-orm/core';
import { quote } from '../db/begin';

/**
 * A row count (a page's limit or offset) written into the statement, not sent as a parameter. With
 * `limit $n` PostgreSQL cannot tell a page of 21 rows from a scan, so a prepared statement's generic plan
 * looks dear and it plans every execution anew (a fifth of a millisecond for a nested page); with the
 * number in the text, it keeps the generic plan after a few executions. Page sizes are bounded, so the
 * texts are few; only a whole number can get here.
 */
export function countLiteral(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`not a row count: ${n}`);
  return String(n);
}

/** `allColumns` per entity and alias: the metadata does not change while the process runs. */
const columnLists = new WeakMap<EntityMetadata, Map<string, string>>();

/**
 * Every mapped column of `meta` over `alias`, named: what `alias.*` would read of them. Statements are
 * prepared once per connection (db/prepared.ts), and a prepared `alias.*` would fail ("cached plan must
 * not change result type") on every connection that prepared it once a migration adds a column.
 */
export function allColumns(meta: EntityMetadata, alias: string): string {
  let byAlias = columnLists.get(meta);
  if (!byAlias) columnLists.set(meta, (byAlias = new Map()));
  let list = byAlias.get(alias);
  if (list === undefined) {
    const names = meta.props.filter((p) => p.persist !== false && !p.formula && p.fieldNames?.length).flatMap((p) => p.fieldNames);
    byAlias.set(alias, (list = [...new Set(names)].map((c) => `${alias}.${quote(c)}`).join(', ')));
  }
  return list;
}

type Plain = string | number | boolean;
const isPlain = (v: unknown): v is Plain => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)) || typeof v === 'boolean';

const COMPARISONS: Record<string, string> = { $eq: '=', $ne: '<>', $gt: '>', $gte: '>=', $lt: '<', $lte: '<=', $like: 'like', $ilike: 'ilike' };

/** The one column of a property compared as a plain value, or null. */
function columnOf(meta: EntityMetadata, name: string): string | null {
  const prop = meta.properties[name as keyof typeof meta.properties] as EntityProperty | undefined;
  if (!prop || prop.persist === false || prop.formula || prop.customType || prop.fieldNames?.length !== 1) return null;
  const reference = prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner);
  if (prop.kind !== ReferenceKind.SCALAR && !reference) return null;
  return prop.fieldNames[0];
}

/** One property's condition (`value`: a plain value, null, or an object of operators). */
function condition(column: string, value: unknown, params: unknown[]): string | null {
  if (value === null) return `${column} is null`;
  if (isPlain(value)) {
    params.push(value);
    return `${column} = ?`;
  }
  if (typeof value !== 'object' || Array.isArray(value)) return null;
  const parts: string[] = [];
  for (const [op, operand] of Object.entries(value as Record<string, unknown>)) {
    if (op === '$in') {
      if (!Array.isArray(operand) || !operand.every(isPlain)) return null;
      if (operand.length === 0) parts.push('false');
      else {
        params.push(operand);
        parts.push(`${column} in (?)`);
      }
    } else if ((op === '$eq' || op === '$ne') && operand === null) parts.push(`${column} is ${op === '$ne' ? 'not ' : ''}null`);
    else if (COMPARISONS[op] && isPlain(operand)) {
      params.push(operand);
      parts.push(`${column} ${COMPARISONS[op]} ?`);
    } else return null;
  }
  return parts.length ? parts.join(' and ') : null;
}

/**
 * `where` over the rows of `alias` as SQL, its values appended to `params`;
 * null when it holds anything but plain comparisons (see above). An empty
 * (or absent) `where` is `true`.
 */
export function whereSql(meta: EntityMetadata, where: unknown, alias: string, params: unknown[]): string | null {
  if (where == null) return 'true';
  if (typeof where !== 'object' || Array.isArray(where)) return null;
  const parts: string[] = [];
  for (const [key, value] of Object.entries(where as Record<string, unknown>)) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) return null;
      const inner: string[] = [];
      for (const w of value) {
        const sql = whereSql(meta, w, alias, params);
        if (sql === null) return null;
        inner.push(`(${sql})`);
      }
      parts.push(inner.join(key === '$and' ? ' and ' : ' or '));
      continue;
    }
    const column = columnOf(meta, key);
    if (column === null) return null;
    const sql = condition(`${alias}.${quote(column)}`, value, params);
    if (sql === null) return null;
    parts.push(sql);
  }
  return parts.length ? parts.map((p) => (parts.length > 1 ? `(${p})` : p)).join(' and ') : 'true';
}

/** An ORM ordering (a list of `{ property: 'asc' | 'desc' }`) as SQL over `alias`, or null. */
export function orderSql(meta: EntityMetadata, orderBy: readonly object[], alias: string): string | null {
  const parts: string[] = [];
  for (const entry of orderBy) {
    for (const [key, direction] of Object.entries(entry)) {
      const column = columnOf(meta, key);
      const dir = typeof direction === 'string' ? direction.toLowerCase() : direction === 1 ? 'asc' : direction === -1 ? 'desc' : null;
      if (column === null || (dir !== 'asc' && dir !== 'desc')) return null;
      parts.push(`${alias}.${quote(column)} ${dir}`);
    }
  }
  return parts.join(', ');
}
