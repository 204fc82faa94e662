import type { EntityManager } from '@mikro-orm/postgresql';

/** `column: SQL type` of the rows to insert, in order. */
export type Columns = Record<string, string>;

/**
 * Inserts many rows fast: each chunk is one statement that unpacks a JSON
 * array with jsonb_to_recordset (no per-row round trips, no parameter limit).
 */
export async function bulkInsert(em: EntityManager, table: string, columns: Columns, rows: Record<string, unknown>[], onProgress?: (done: number) => void, chunk = 5000): Promise<void> {
  const names = Object.keys(columns);
  const spec = names.map((n) => `"${n}" ${columns[n]}`).join(', ');
  const list = names.map((n) => `"${n}"`).join(', ');
  for (let i = 0; i < rows.length; i += chunk) {
    const part = rows.slice(i, i + chunk);
    await em.getConnection().execute(`insert into "${table}" (${list}) select ${list} from jsonb_to_recordset(?::jsonb) as x(${spec})`, [JSON.stringify(part)]);
    onProgress?.(Math.min(i + chunk, rows.length));
  }
}
