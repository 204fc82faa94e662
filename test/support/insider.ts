/**
 * An insider holding the app role's password: a connection as `sinergi_app`
 * past the API, and the helpers the database tests use to try things with it.
 */
import { Client } from 'pg';
import { appUrl } from '../../src/db/app-role';
import type { Account } from '../../src/modules/account/account.entity';
import type { TestApp } from './test-app';

export interface Insider {
  db: Client;
  /** Runs `body` in one transaction of the app role, rolled back afterwards. */
  inTransaction<T>(body: () => Promise<T>): Promise<T>;
  /** `ok:<rows>` when `sql` ran, else the database's message; the transaction goes on either way. */
  refusal(sql: string, params?: unknown[]): Promise<string>;
  count(table: string): Promise<number>;
  /** Opens the request scope of `session` (or of nobody) in the current transaction. */
  begin(session?: { sessionId: string; secret: string } | null): Promise<void>;
}

/** A session of `account`, opened with the owner's rights, as login would. */
export async function sessionOf(t: TestApp, account: Account): Promise<{ sessionId: string; secret: string }> {
  const [{ s }] = await t.em().getConnection().execute('select sinergi_open_session(?, 3600) as s', [account.id]);
  return s;
}

export async function connectInsider(t: TestApp): Promise<Insider> {
  const db = new Client({ connectionString: appUrl(t.databaseUrl) });
  await db.connect();
  const insider: Insider = {
    db,
    async inTransaction(body) {
      await db.query('begin');
      try {
        return await body();
      } finally {
        await db.query('rollback');
      }
    },
    async refusal(sql, params = []) {
      await db.query('savepoint probe');
      try {
        const res = await db.query(sql, params);
        await db.query('release savepoint probe');
        return `ok:${res.rowCount}`;
      } catch (e) {
        await db.query('rollback to savepoint probe');
        return String((e as Error).message);
      }
    },
    count: async (table) => Number((await db.query(`select count(*)::int as n from ${table}`)).rows[0].n),
    async begin(session) {
      await db.query('select sinergi_begin_request($1, $2)', [session?.sessionId ?? null, session?.secret ?? null]);
    },
  };
  return insider;
}
