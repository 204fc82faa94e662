/**
 * The request's transaction: opened with its first statement in the same
 * round trip (`BEGIN; select sinergi_begin_request(…)` as one simple-protocol
 * message), run one statement at a time on one pooled connection, and ended
 * by COMMIT or by what `finishWith` asked for instead.
 *
 * MikroORM runs a transaction through knex, and knex builds for every
 * transaction a complete knex instance (some 200 functions and an event
 * emitter: a twentieth of a small request's CPU) around a client bound to the
 * connection. A request needs only that client: the ORM hands the
 * transaction to knex's `transacting(…)`, which takes `client` from it, and
 * ends it with `commit()`, `rollback()` and `executionPromise`. So this
 * class is that much, on a client derived from the pool's own.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Platform } from '@mikro-orm/core';
import { escapeLiteral } from 'pg';
import { positional, queryFor, type Positional } from './prepared';

interface PgResult {
  rows: Record<string, unknown>[];
  rowCount?: number | null;
}
type PgConnection = { query(q: string | object, callback: (err: Error | null, res: PgResult | PgResult[]) => void): void };

/** The parts of knex's client a transaction uses (knex has no typings for them). */
interface KnexClient {
  acquireConnection(): Promise<PgConnection>;
  releaseConnection(connection: PgConnection): Promise<void>;
  query(connection: PgConnection, obj: unknown): Promise<unknown>;
  _query(connection: PgConnection, obj: unknown): Promise<unknown>;
}

/**
 * Ends a transaction instead of a bare COMMIT: it sends, through `send`, the
 * statements that must travel with COMMIT, the last of them ending in
 * `COMMIT`, and resolves once the transaction has committed (or rejects, and
 * the transaction is rolled back).
 */
export type CommitFinisher = (send: (sql: string) => Promise<unknown>) => Promise<void>;

/** Sends a statement with PostgreSQL parameters, or (`inlined`) a text with its values in place, never prepared. */
type DirectSend = (statement: Positional, inlined?: boolean) => Promise<PgResult>;

class RequestTransaction {
  /** What knex's `transacting(…)` runs the ORM's statements with: the pool's client, bound to this connection. */
  readonly client: KnexClient & { transacting: true };
  readonly isTransaction = true;
  readonly userParams = {};
  /** Settles when the transaction has ended (the ORM awaits it after `commit()`). */
  readonly executionPromise: Promise<unknown>;
  finisher?: CommitFinisher;
  private settle!: { resolve(value: unknown): void; reject(err: unknown): void };
  private completed = false;
  /** COMMIT or ROLLBACK is under way: only its own statements may still be sent. */
  private ending = false;
  /** The end of the queue of this transaction's statements (see `inTurn`). */
  private tail: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly pool: KnexClient,
    private readonly connection: PgConnection,
  ) {
    this.executionPromise = new Promise((resolve, reject) => (this.settle = { resolve, reject }));
    // Settled by the ORM's commit; a rejection nobody awaits (a rollback's) must not become an unhandled one.
    this.executionPromise.catch(() => undefined);
    const client = Object.create(pool) as KnexClient & { transacting: true };
    client.transacting = true;
    client.acquireConnection = async () => connection;
    client.releaseConnection = async () => undefined;
    client.query = function (this: KnexClient, conn, obj) {
      if (conn !== connection) return Promise.reject(new Error('Invalid connection for transaction query.'));
      return pool.query.call(this, conn, obj);
    };
    // The driver call itself (knex's `_query`), below knex's own checks, which stay at the time of the call.
    client._query = (conn, obj) => this.inTurn(() => pool._query.call(client, conn, obj));
    this.client = client;
  }

  /**
   * One statement at a time on the transaction's connection. Resolvers of sibling fields run
   * concurrently (two root lists, `Promise.all` of two loaders) and would hand the driver a second
   * query while the first runs: pg queues it today but warns, and pg 9 refuses. Here they wait in
   * order, COMMIT last of all.
   */
  private inTurn<R>(run: () => Promise<R>, ends = false): Promise<R> {
    // Checked when its turn comes: once the transaction ends, its connection goes back to the pool (and maybe
    // to another request), so nothing queued behind COMMIT or ROLLBACK may reach it, only their own statements.
    const refused = () => this.completed || (this.ending && !ends);
    const result = this.tail.then(() => (refused() ? Promise.reject(new Error('Transaction query already complete.')) : run()));
    this.tail = result.catch(() => undefined);
    return result;
  }

  /** Sends `text` on the connection, in turn (the callback form, as knex calls the driver); `ends`: a statement of COMMIT or ROLLBACK. */
  private sendText(q: string | object | (() => string | object), ends = false): Promise<PgResult | PgResult[]> {
    return this.inTurn(() => {
      const query = typeof q === 'function' ? q() : q;
      return new Promise((resolve, reject) => this.connection.query(query, (err, res) => (err ? reject(err) : resolve(res))));
    }, ends);
  }

  // Named for preparing when its turn comes, so a statement refused then leaves no trace in prepared.ts.
  readonly send: DirectSend = (statement, inlined) =>
    this.sendText(() => (inlined ? statement.text : queryFor(this.connection as object, statement))) as Promise<PgResult>;

  /** BEGIN and the first statements; each statement's rows. */
  async open(statements: readonly string[]): Promise<Record<string, unknown>[][]> {
    const results = await this.sendText(`BEGIN; ${statements.join('; ')}`);
    // One result per statement, BEGIN's first.
    return statements.map((_, i) => (Array.isArray(results) ? (results[i + 1]?.rows ?? []) : []));
  }

  /** COMMIT, or what `finishWith` asked for instead; rolled back when that fails. */
  commit(value?: unknown): Promise<void> {
    if (this.completed || this.ending) return Promise.resolve();
    this.ending = true;
    const finish = this.finisher ?? ((send) => send('COMMIT;').then(() => undefined));
    return finish((sql) => this.sendText(sql, true)).then(
      () => this.end(() => this.settle.resolve(value)),
      // The finisher's error is the transaction's; a ROLLBACK after a failed COMMIT only warns.
      (err: unknown) => this.rollBack(err),
    );
  }

  /** ROLLBACK; nothing once the transaction is ending or has ended (a failed commit rolls back itself). */
  rollback(err?: unknown): Promise<void> {
    if (this.completed || this.ending) return Promise.resolve();
    this.ending = true;
    return this.rollBack(err);
  }

  private rollBack(err?: unknown): Promise<void> {
    return this.sendText('ROLLBACK', true).then(
      () => this.end(() => (err === undefined ? this.settle.resolve(undefined) : this.settle.reject(err))),
      (failed: unknown) => this.end(() => this.settle.reject(err ?? failed)),
    );
  }

  isCompleted(): boolean {
    return this.completed;
  }

  /** A request runs in one transaction; nothing in it opens another inside (savepoints are explicit SQL). */
  transaction(): never {
    throw new Error('nested transactions are not supported in a request transaction');
  }

  savepoint(): never {
    return this.transaction();
  }

  private end(settle: () => void): void {
    if (this.completed) return;
    this.completed = true;
    void this.pool.releaseConnection(this.connection);
    settle();
  }

  /** Gives the connection back after a failed start: rolled back, as the failed statement left it in an aborted transaction. */
  async abandon(): Promise<void> {
    await this.rollback().catch(() => undefined);
  }
}

/**
 * Opens a transaction on `em` whose BEGIN carries `firstStatement` and any
 * `more` statements, in one message (literal SQL: build it with `sqlLiteral`,
 * it cannot take parameters), and returns each statement's rows.
 */
export async function beginWith<Row extends Record<string, unknown>>(
  em: EntityManager,
  firstStatement: string,
  ...more: string[]
): Promise<[Row[], ...Record<string, unknown>[][]]> {
  const connection = em.getConnection();
  const pool = connection.getKnex().client as unknown as KnexClient;
  const trx = new RequestTransaction(pool, await pool.acquireConnection());
  const statements = [firstStatement, ...more];
  // Counted and printed like every other statement (the tests count statements per request): one message, one round trip.
  (connection as unknown as { logQuery(sql: string): void }).logQuery(`begin; ${statements.join('; ')}`);
  let rows: Record<string, unknown>[][];
  try {
    rows = await trx.open(statements);
  } catch (e) {
    await trx.abandon();
    throw em
      .getPlatform()
      .getExceptionConverter()
      .convertException(e as Error);
  }
  em.setTransactionContext(trx);
  return rows as [Row[], ...Record<string, unknown>[][]];
}

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
  const send = trx instanceof RequestTransaction ? trx.send : undefined;
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
 * Commits a transaction `beginWith` opened on `em` that wrote nothing through
 * the ORM: what `em` loaded is forgotten and the transaction committed
 * without the ORM's flush (which would look over an empty unit of work and
 * run its flush events on every query). Falls back to `em.commit()` for any
 * other transaction.
 */
export async function commitWithoutFlush(em: EntityManager): Promise<void> {
  em.clear();
  const trx = em.getTransactionContext();
  if (!(trx instanceof RequestTransaction)) return em.commit();
  em.resetTransactionContext();
  (em.getConnection() as unknown as { logQuery(sql: string): void }).logQuery(em.getPlatform().getCommitTransactionSQL());
  await trx.commit();
  await trx.executionPromise;
}

/**
 * Has the transaction `beginWith` opened on `em` end with `finisher` instead
 * of a bare COMMIT (the audit chain's append travels with it). False when
 * `em` is in no such transaction.
 */
export function finishWith(em: EntityManager, finisher: CommitFinisher): boolean {
  const trx = em.getTransactionContext();
  if (!(trx instanceof RequestTransaction)) return false;
  trx.finisher = finisher;
  return true;
}

/** An SQL identifier, quoted (names come from the ORM's metadata, never from a request). */
export const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A value as an SQL literal, for the one statement that cannot take parameters. */
export function sqlLiteral(value: string | number | null): string {
  if (value === null) return 'null';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error('not a finite number');
    return String(value);
  }
  return escapeLiteral(value);
}
