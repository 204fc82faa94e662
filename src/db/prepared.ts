/**
 * Statements with `?` placeholders as PostgreSQL's own parameters, prepared
 * once per connection when they repeat.
 *
 * MikroORM sends a statement with its values inlined as literals, so
 * PostgreSQL parses and plans it anew every time: for a page statement with
 * its row-level-security policies, planning took three times as long as
 * running it. Here the same statement travels with `$n` parameters; a text
 * seen before gets a name, and each connection prepares it once and then
 * only binds and executes it (PostgreSQL keeps a generic plan when it is as
 * good as a fresh one). Lists become one array parameter (`col in (?)` is
 * `col = any($n)`, `array[?]` is `$n`), so the text does not change with
 * the number of ministries or ids — except that a list of one is `col = $n`,
 * the common case (one ministry, one id) and the one a generic plan fits.
 *
 * Bounded: only the most recent texts are remembered, and a connection
 * prepares at most `PER_CONNECTION` of them; beyond that, statements are
 * sent unnamed (parsed and planned each time, as before), so no stream of
 * distinct documents can fill the server's memory with plans.
 */
import { LRUCache } from 'lru-cache';

export interface Positional {
  text: string;
  values: unknown[];
}

/**
 * `sql` with `$1…$n` for its `?` placeholders (outside quoted literals and
 * identifiers), or null when it has a placeholder this cannot write (`??`,
 * a list anywhere but `in (?)` or `array[?]`) or the counts disagree.
 */
export function positional(sql: string, params: readonly unknown[]): Positional | null {
  const values: unknown[] = [];
  let text = '';
  let from = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i];
    if (c === "'" || c === '"') {
      const end = sql.indexOf(c, i + 1);
      if (end === -1) return null;
      i = end;
      continue;
    }
    if (c !== '?') continue;
    if (sql[i + 1] === '?' || values.length >= params.length) return null;
    const value = params[values.length];
    values.push(value);
    const n = `$${values.length}`;
    if (!Array.isArray(value)) {
      text += sql.slice(from, i) + n;
      from = i + 1;
    } else if (sql.endsWith(' in (', i) && sql[i + 1] === ')') {
      // One element is compared as itself: PostgreSQL then keeps a generic plan for the statement, where for
      // `any` of an array of unknown length it estimates more rows and plans every execution anew.
      if (value.length === 1) values[values.length - 1] = value[0];
      text += `${sql.slice(from, i - 5)} ${value.length === 1 ? `= ${n}` : `= any(${n})`}`;
      from = i + 2;
    } else if (sql.endsWith('array[', i) && sql[i + 1] === ']') {
      text += sql.slice(from, i - 6) + n;
      from = i + 2;
    } else return null;
  }
  if (values.length !== params.length) return null;
  return { text: text + sql.slice(from), values };
}

/** Statements a connection prepares at most. */
export const PER_CONNECTION = 200;

/** Texts seen recently, each with the name it is prepared under once it repeats. */
const seen = new LRUCache<string, { name: string | null }>({ max: 2_000 });
let lastName = 0;
const prepared = new WeakMap<object, Set<string>>();

/** Whether statements are prepared at all (DATABASE_PREPARED_STATEMENTS; a pooler in transaction mode may not keep them). */
export const preparing = { enabled: true };

/** The query for `connection`: named (prepared there once) when its text repeats and the connection has room. */
export function queryFor(connection: object, statement: Positional): { text: string; values: unknown[]; name?: string } {
  if (!preparing.enabled) return statement;
  const known = seen.get(statement.text);
  if (!known) {
    seen.set(statement.text, { name: null });
    return statement;
  }
  known.name ??= `sinergi_${++lastName}`;
  let names = prepared.get(connection);
  if (!names) prepared.set(connection, (names = new Set()));
  if (!names.has(known.name)) {
    if (names.size >= PER_CONNECTION) return statement;
    names.add(known.name);
  }
  return { ...statement, name: known.name };
}
