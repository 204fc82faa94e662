/**
 * Opens a request's transaction and runs its first statement in the same
 * round trip: `BEGIN; select sinergi_begin_request(…)` as one simple-protocol
 * message. Every request opened with `BEGIN` and then waited once more for
 * its scope; each round trip is a wake-up of the server and of this process.
 *
 * MikroORM opens transactions through knex, whose PostgreSQL transaction
 * sends `BEGIN;` on its own. This subclass sends the statement it is given
 * along with it (and only then: every other transaction begins as before);
 * the transaction is then handed to the EntityManager as its context, so
 * everything after runs in it exactly as after `em.begin()`. Every
 * transaction's statements also queue one at a time (see `oneAtATime`).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Platform } from '@mikro-orm/core';
import type { Knex } from 'knex';
import { escapeLiteral } from 'pg';
import { positional, queryFor, type Positional } from './prepared';

interface PgResult {
  rows: Record<string, unknown>[];
  rowCount?: number | null;
}
interface KnexTransactionBase {
  trxClient?: { _query: (conn: unknown, obj: unknown) => Promise<unknown>; query: (conn: unknown, obj: unknown) => Promise<unknown> };
  // knex's own bookkeeping of how the transaction ended (see `commit`).
  _completed: boolean;
  _resolver(value: unknown): void;
  begin(conn: unknown): Promise<unknown>;
  commit(conn: unknown, value: unknown): Promise<unknown>;
  query(conn: unknown, sql: string, status?: number, value?: unknown): Promise<{ response?: PgResult | PgResult[] } | undefined>;
}
type KnexTransactionClass = new (client: unknown, container: unknown, config: BeginConfig, outerTx: unknown) => KnexTransactionBase;

interface BeginConfig {
  /** Sent in the same message as BEGIN; its rows are left in `answer.rows` (knex copies the config, not this object). */
  firstStatement?: string;
  answer?: { rows: Record<string, unknown>[] };
  /** Set by `finishWith`; an object so that it can be set after knex copied the config. */
  finish?: { run?: CommitFinisher };
  /** Set when the transaction begins: sends a statement on its connection, in turn (see `oneAtATime`). */
  direct?: { send?: DirectSend };
}

/**
 * Ends a transaction instead of a bare COMMIT: it sends, through `send`, the
 * statements that must travel with COMMIT, the last of them ending in
 * `COMMIT`, and resolves once the transaction has committed (or rejects, and
 * the transaction is rolled back).
 */
export type CommitFinisher = (send: (sql: string) => Promise<unknown>) => Promise<void>;

// knex's own PostgreSQL transaction class, which this extends (knex has no typings for it).
const PgTransaction = require('knex/lib/dialects/postgres/execution/pg-transaction') as KnexTransactionClass;

class BeginWithTransaction extends PgTransaction {
  private readonly config: BeginConfig;
  constructor(client: unknown, container: unknown, config: BeginConfig, outerTx: unknown) {
    super(client, container, config, outerTx);
    this.config = config;
  }

  override begin(conn: unknown) {
    this.oneAtATime(conn);
    const first = this.config.firstStatement;
    if (!first) return super.begin(conn);
    return this.query(conn, `BEGIN; ${first}`).then((res) => {
      const results = res?.response;
      // Two statements answer with two results; the first statement's rows are the second's.
      if (this.config.answer) this.config.answer.rows = Array.isArray(results) ? (results[1]?.rows ?? []) : [];
      return res;
    });
  }

  /**
   * COMMIT, or what `finishWith` asked for instead. knex marks its transaction
   * complete when it sends COMMIT, after which it refuses statements; a
   * finisher may need several (a retry after a savepoint), so the mark is set
   * here once it has committed.
   */
  override commit(conn: unknown, value: unknown) {
    const run = this.config.finish?.run;
    const client = this.trxClient;
    if (!run || !client) return super.commit(conn, value);
    return run((sql) => client.query(conn, sql)).then(
      () => {
        this._completed = true;
        this._resolver(value);
      },
      // Rejects the transaction with the finisher's error; a ROLLBACK after a failed COMMIT only warns.
      (err: unknown) => this.query(conn, 'ROLLBACK', 2, err),
    );
  }

  /**
   * One statement at a time on the transaction's connection. Resolvers of sibling fields run
   * concurrently (two root lists, `Promise.all` of two loaders) and would hand the driver a second
   * query while the first runs: pg queues it today but warns, and pg 9 refuses. Here they wait in
   * order, COMMIT last of all.
   */
  private oneAtATime(conn: unknown) {
    const client = this.trxClient;
    if (!client) return;
    // The driver call itself (knex's `_query`), below knex's own checks, which stay at the time of the call.
    const query = client._query.bind(client);
    let tail: Promise<unknown> = Promise.resolve();
    const inTurn = <R>(run: () => Promise<R>): Promise<R> => {
      const result = tail.then(run);
      tail = result.catch(() => undefined);
      return result;
    };
    client._query = (c, obj) => inTurn(() => query(c, obj));
    const pg = conn as { query(q: string | object, callback: (err: Error | null, res: PgResult) => void): void };
    // The callback form, as knex calls the driver.
    const send = (q: string | object) => new Promise<PgResult>((resolve, reject) => pg.query(q, (err, res) => (err ? reject(err) : resolve(res))));
    if (this.config.direct)
      this.config.direct.send = (statement, inlined) => inTurn(() => send(inlined ? statement.text : queryFor(conn as object, statement)));
  }
}

const installed = new WeakSet<object>();

/** Makes `knex` open its transactions with `BeginWithTransaction` (once per knex instance). */
function install(knex: Knex): void {
  const client = knex.client as { transaction: (container: unknown, config: BeginConfig, outerTx: unknown) => unknown };
  if (installed.has(client)) return;
  client.transaction = function (this: unknown, container: unknown, config: BeginConfig, outerTx: unknown) {
    return new BeginWithTransaction(this, container, config ?? {}, outerTx);
  };
  installed.add(client);
}

/**
 * Opens a transaction on `em` whose BEGIN carries `firstStatement` (literal
 * SQL: build it with `sqlLiteral`, it cannot take parameters), and returns
 * that statement's rows.
 */
export async function beginWith<Row extends Record<string, unknown>>(em: EntityManager, firstStatement: string): Promise<Row[]> {
  const connection = em.getConnection();
  const knex = connection.getKnex();
  install(knex);
  const answer = { rows: [] as Record<string, unknown>[] };
  const config: BeginConfig & Knex.TransactionConfig = { firstStatement, answer, finish: {}, direct: {} };
  const trx = await knex.transaction(config);
  finishers.set(trx, config.finish as { run?: CommitFinisher });
  directs.set(trx, config.direct as { send?: DirectSend });
  // Counted and printed like every other statement (the tests count statements per request).
  (connection as unknown as { logQuery(sql: string): void }).logQuery(`begin; ${firstStatement}`);
  em.setTransactionContext(trx);
  return answer.rows as Row[];
}

const finishers = new WeakMap<object, { run?: CommitFinisher }>();
/** Sends a statement with PostgreSQL parameters, or (`inlined`) a text with its values in place, never prepared. */
type DirectSend = (statement: Positional, inlined?: boolean) => Promise<PgResult>;
const directs = new WeakMap<object, { send?: DirectSend }>();

/**
 * `em.execute(sql, params)`, sent straight to the driver when `em` is in a
 * transaction `beginWith` opened. MikroORM sends a raw statement through a
 * knex raw query bound to the transaction; on a page of a query that
 * plumbing cost more than the statement's own rows. Here the statement goes
 * with PostgreSQL's own parameters (prepared.ts) on the same connection, in
 * the same turn among the transaction's statements, errors converted as the
 * ORM converts them, counted and logged as the ORM counts and logs them.
 */
export async function execute<T = Record<string, unknown>>(em: EntityManager, sql: string, params: readonly unknown[] = []): Promise<T[]> {
  const send = directSender(em.getTransactionContext(), em.getPlatform(), em.getConnection(), em.config.getLogger());
  if (!send) return em.execute<T[]>(sql, params as unknown[]);
  return (await send(sql, params)).rows as T[];
}

/**
 * For a transaction `beginWith` opened (`trx`, the EntityManager's transaction context): sends a
 * statement with `?` placeholders on its connection, with PostgreSQL parameters where prepared.ts can
 * write them and the values inlined as `em.execute` inlines them otherwise; logged with the values in
 * place, errors converted. Undefined for any other transaction.
 */
export function directSender(
  trx: unknown,
  platform: Platform,
  connection: unknown,
  logger: { isEnabled(namespace: 'query'): boolean },
): ((sql: string, params: readonly unknown[]) => Promise<PgResult & { rowCount?: number | null }>) | undefined {
  const send = trx ? directs.get(trx as object)?.send : undefined;
  if (!send) return undefined;
  return async (sql, params) => {
    // PostgreSQL's parameters (see prepared.ts); a statement they cannot carry goes with its values inlined, as the ORM sends it.
    const statement = positional(sql, params);
    const inlined = statement ? null : platform.formatQuery(sql, params as unknown[]);
    // Logged (and counted) with the values in place, as the ORM logs.
    if (logger.isEnabled('query')) (connection as { logQuery(sql: string): void }).logQuery(inlined ?? platform.formatQuery(sql, params as unknown[]));
    try {
      return await (statement ? send(statement) : send({ text: inlined as string, values: [] }, true));
    } catch (e) {
      throw platform.getExceptionConverter().convertException(e as Error);
    }
  };
}

/**
 * Has the transaction `beginWith` opened on `em` end with `finisher` instead
 * of a bare COMMIT (the audit chain's append travels with it). False when
 * `em` is in no such transaction.
 */
export function finishWith(em: EntityManager, finisher: CommitFinisher): boolean {
  const slot = finishers.get(em.getTransactionContext() as object);
  if (!slot) return false;
  slot.run = finisher;
  return true;
}

/** A value as an SQL literal, for the one statement that cannot take parameters. */
export function sqlLiteral(value: string | number | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('not a finite number');
    return String(value);
  }
  return escapeLiteral(value);
}
