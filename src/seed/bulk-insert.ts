import { Client } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';

/**
 * The columns of `rows`: every key any row has, in the order first seen (a missing value is NULL), but
 * those starting with `_`, which a generator keeps on a row for itself (e.g. a weight).
 */
export function columnsOf(rows: readonly Record<string, unknown>[]): string[] {
  const names = new Set<string>();
  for (const row of rows) for (const key in row) if (!key.startsWith('_')) names.add(key);
  return [...names];
}

/*
 * COPY's own text format rather than CSV: a field needs escaping only for
 * backslash, tab, newline and carriage return, so encoding is a string
 * concatenation per field. csv-stringify's general machinery (casts, quote
 * detection per field) was half of the bench10 seed's CPU.
 */
const TEXT_SPECIAL = /[\\\t\n\r]/;
const TEXT_ESCAPES: Record<string, string> = { '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' };
const escapeText = (s: string) => (TEXT_SPECIAL.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => TEXT_ESCAPES[c]) : s);

/** An array element as PostgreSQL's array input reads it: quoted when it is empty, NULL-like or holds a delimiter. */
const ELEMENT_NEEDS_QUOTES = /^$|^null$|[{},"\\\s]/i;
const arrayElement = (e: unknown) => {
  if (e === null || e === undefined) return 'NULL';
  const s = String(e);
  return ELEMENT_NEEDS_QUOTES.test(s) ? `"${s.replace(/["\\]/g, '\\$&')}"` : s;
};

/** One value as a field of COPY's text format. */
export function textField(v: unknown): string {
  if (v === null || v === undefined) return '\\N';
  if (typeof v === 'string') return escapeText(v);
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'boolean') return v ? 't' : 'f';
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return escapeText(`{${v.map(arrayElement).join(',')}}`);
  throw new TypeError(`cannot COPY a value of type ${typeof v}`);
}

/** Rows `from`–`to` as lines of COPY's text format, the values of `names` in order. */
export function encodeRows(names: readonly string[], rows: readonly Record<string, unknown>[], from = 0, to = rows.length): string {
  let out = '';
  for (let i = from; i < to; i++) {
    const row = rows[i];
    let line = textField(row[names[0]]);
    for (let k = 1; k < names.length; k++) line += '\t' + textField(row[names[k]]);
    out += line + '\n';
  }
  return out;
}

/** Rows per piece of a COPY stream: small enough that encoding interleaves with the caller's work. */
const PIECE = 5_000;

/**
 * A bulk loader on its own connection and transaction, using COPY: millions
 * of rows in a couple of minutes.
 * - Where the role may (a superuser, as with the embedded PostgreSQL), the
 *   per-row foreign-key and row-count triggers are skipped: the generated rows
 *   are consistent by construction, and the counts are taken again at commit.
 * - A table that is empty when its first rows arrive loads without its
 *   secondary indexes, which are built again, by sorting, before commit:
 *   maintaining a B-tree on a random key row by row made a 3.2-million-row
 *   table load four times slower. The drop is in the transaction, so a failed
 *   load leaves the indexes as they were.
 * - `insert` queues the rows and returns once the COPY before them is done, so
 *   the caller generates the next rows while the database loads these.
 */
export class BulkLoader {
  /** Tables loaded: their row counts are taken again before commit (the skipped triggers kept none). */
  private readonly loaded = new Set<string>();
  /** Statements that rebuild the indexes set aside, in order. */
  private readonly rebuild: string[] = [];
  /** The last COPY queued; every COPY waits for the one before it (one connection, one statement at a time). */
  private queued: Promise<void> = Promise.resolve();
  private constructor(private readonly client: Client) {}

  static async open(url: string): Promise<BulkLoader> {
    const client = new Client({ connectionString: url });
    await client.connect();
    await client.query('begin');
    await client.query('savepoint replica');
    await client.query('set local session_replication_role = replica').catch(() => client.query('rollback to savepoint replica'));
    return new BulkLoader(client);
  }

  /**
   * Queues `rows` for `table` and resolves once the COPY queued before them is
   * done (so at most two batches are held in memory); `commit` waits for all.
   * A failed COPY rejects the next `insert` or the `commit`.
   */
  async insert(table: string, rows: readonly Record<string, unknown>[], onProgress?: (done: number) => void): Promise<void> {
    const before = this.queued;
    // The rows name their columns (as the table does, snake_case): no second list of them to keep in step.
    const copy = before.then(() => this.copy(table, columnsOf(rows), rows, onProgress));
    // Handled here so that a failure waits, unreported, for the next insert or the commit to rethrow it.
    copy.catch(() => undefined);
    this.queued = copy;
    await before;
  }

  private async copy(table: string, names: string[], rows: readonly Record<string, unknown>[], onProgress?: (done: number) => void): Promise<void> {
    // A batch with no rows names no columns, and COPY takes no empty column list: there is nothing to send.
    if (rows.length === 0) return onProgress?.(0);
    if (!this.loaded.has(table)) {
      this.loaded.add(table);
      await this.setIndexesAside(table);
    }
    const sink = this.client.query(copyFrom(`copy "${table}" (${names.map((n) => `"${n}"`).join(', ')}) from stdin`));
    function* pieces() {
      for (let i = 0; i < rows.length; i += PIECE) {
        const to = Math.min(i + PIECE, rows.length);
        yield encodeRows(names, rows, i, to);
        onProgress?.(to);
      }
    }
    await pipeline(Readable.from(pieces(), { objectMode: false }), sink);
  }

  /**
   * Drops the secondary indexes of `table` when it is empty, remembering how to
   * build them again. The primary key stays (new ids ascend, so it only grows at
   * its end), as do indexes a foreign key relies on.
   */
  private async setIndexesAside(table: string): Promise<void> {
    const { rows: empty } = await this.client.query(`select not exists (select from "${table}") as empty`);
    if (!empty[0].empty) return;
    const { rows } = await this.client.query<{ index: string; definition: string; constraint: string | null; constraintDefinition: string | null }>(
      `select i.indexrelid::regclass::text as index, pg_get_indexdef(i.indexrelid) as definition,
              c.conname as constraint, pg_get_constraintdef(c.oid) as "constraintDefinition"
         from pg_index i
         left join pg_constraint c on c.conindid = i.indexrelid and c.conrelid = i.indrelid
        where i.indrelid = $1::regclass and not i.indisprimary
          and not exists (select from pg_constraint f where f.contype = 'f' and f.conindid = i.indexrelid)
        order by 1`,
      [`"${table}"`],
    );
    for (const r of rows) {
      if (r.constraint) {
        await this.client.query(`alter table "${table}" drop constraint "${r.constraint}"`);
        this.rebuild.push(`alter table "${table}" add constraint "${r.constraint}" ${r.constraintDefinition}`);
      } else {
        await this.client.query(`drop index ${r.index}`);
        this.rebuild.push(r.definition);
      }
    }
  }

  async commit(): Promise<void> {
    try {
      await this.queued;
      // Room to sort each index in memory; for this transaction only.
      await this.client.query(`set local maintenance_work_mem = '512MB'`);
      for (const statement of this.rebuild) await this.client.query(statement);
      // The tables whose rows the database counts are those with its counting triggers.
      const counted = await this.client.query<{ table: string }>(
        `select distinct c.relname as table from pg_trigger g join pg_class c on c.oid = g.tgrelid where g.tgname = 'count_inserted' and c.relname = any ($1)`,
        [[...this.loaded]],
      );
      for (const { table } of counted.rows) await this.client.query('select sinergi_recount_rows($1)', [table]);
      await this.client.query('commit');
      await this.client.query('analyze');
    } finally {
      await this.client.end();
    }
  }

  async rollback(): Promise<void> {
    await this.queued.catch(() => undefined);
    await this.client.query('rollback').catch(() => undefined);
    await this.client.end();
  }
}
