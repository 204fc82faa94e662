import { stringify } from 'csv-stringify/sync';
import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { COUNTED_TABLES } from '../../kernel/row-counts';

/** `column: SQL type` of the rows to insert, in order (the types document the row shape). */
export type Columns = Record<string, string>;

const cell = (v: unknown): string | null => {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return `{${v.join(',')}}`;
  return String(v);
};

/**
 * A bulk loader on its own connection and transaction, using COPY: hundreds
 * of thousands of rows in seconds. Where the role may (a superuser, as with
 * the embedded PostgreSQL), the per-row foreign-key triggers are skipped; the
 * generated rows are consistent by construction.
 */
export class BulkLoader {
  /** Tables loaded: their row counts are taken again before commit (the skipped triggers kept none). */
  private readonly loaded = new Set<string>();
  private constructor(private readonly client: Client) {}

  static async open(url: string): Promise<BulkLoader> {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('begin');
    await client.query('savepoint replica');
    await client.query('set local session_replication_role = replica').catch(() => client.query('rollback to savepoint replica'));
    return new BulkLoader(client);
  }

  async insert(table: string, columns: Columns, rows: Record<string, unknown>[], onProgress?: (done: number) => void, chunk = 50_000): Promise<void> {
    const names = Object.keys(columns);
    this.loaded.add(table);
    const sink = this.client.query(copyFrom(`copy "${table}" (${names.map((n) => `"${n}"`).join(', ')}) from stdin with (format csv)`));
    async function* lines() {
      for (let i = 0; i < rows.length; i += chunk) {
        // Empty unquoted fields are NULL in COPY's CSV format; no generated text is empty.
        yield stringify(
          rows.slice(i, i + chunk).map((r) => names.map((n) => cell(r[n]))),
          { cast: { boolean: (b) => String(b) } },
        );
        onProgress?.(Math.min(i + chunk, rows.length));
      }
    }
    await pipeline(Readable.from(lines()), sink);
  }

  async commit(): Promise<void> {
    try {
      for (const table of this.loaded) if (COUNTED_TABLES.has(table)) await this.client.query('select sinergi_recount_rows($1)', [table]);
      await this.client.query('commit');
      await this.client.query('analyze');
    } finally {
      await this.client.end();
    }
  }

  async rollback(): Promise<void> {
    await this.client.query('rollback').catch(() => undefined);
    await this.client.end();
  }
}
