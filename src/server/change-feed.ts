/**
 * What wakes the `changes` subscriptions of this process (issue 33): the last sequence number of the audit
 * log, kept current by PostgreSQL's LISTEN/NOTIFY.
 *
 * The audit log's trigger notifies `sinergi_changes` with the last number each committing transaction
 * appended; PostgreSQL delivers it at COMMIT and never for a rollback. One connection listens for the whole
 * process, however many subscribers there are, and each subscriber waits here until the head passes the last
 * event it read. The head is also polled (`POLL_MS`): a notification lost while the listening connection was
 * being replaced costs at most that long, never a change. Behind PgBouncer's transaction pooling LISTEN does
 * not hold; the poll alone then keeps the feed going (docs/operations.md).
 *
 * The feed starts with the first subscription, so a process nobody subscribes to holds no listening
 * connection. That connection is its own, outside the pool, and does not keep the process alive.
 */
import type { MikroORM } from '@mikro-orm/postgresql';
import { Client } from 'pg';
import type { Logger } from 'pino';

const CHANNEL = 'sinergi_changes';
const POLL_MS = 1_000;

/** Settles when `work` does or after a second, whichever is first; never rejects. */
function within(work: Promise<unknown>): Promise<void> {
  return Promise.race([
    work.then(
      () => undefined,
      () => undefined,
    ),
    new Promise<void>((resolve) => setTimeout(resolve, 1_000).unref()),
  ]);
}

export class ChangeFeed {
  /** The last sequence number known committed. */
  head = 0;
  private waiters = new Set<() => void>();
  private listener: Client | null = null;
  private poller: NodeJS.Timeout | null = null;
  private started: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly log: Logger,
  ) {}

  /** Starts the feed once (the first subscription calls it); resolves once the head is known. */
  ready(): Promise<void> {
    this.started ??= (async () => {
      await this.poll();
      await this.listen().catch((err) => this.log.warn({ err }, 'change feed: LISTEN failed; polling only until it is back'));
      this.poller = setInterval(() => {
        void this.poll();
        if (!this.listener && !this.stopped) void this.listen().catch(() => undefined);
      }, POLL_MS);
      this.poller.unref();
    })();
    return this.started;
  }

  private async listen(): Promise<void> {
    // The pool's own settings (knex keeps them): the same server, role and password as every request.
    const settings = (this.orm.em.getConnection().getKnex().client as unknown as { connectionSettings: ConstructorParameters<typeof Client>[0] })
      .connectionSettings;
    const client = new Client(settings);
    client.on('error', (err) => {
      this.log.warn({ err }, 'change feed: the listening connection failed; listening again');
      if (this.listener === client) this.listener = null;
      void within(client.end());
    });
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL) this.advance(Number(msg.payload));
    });
    await client.connect();
    // Its socket alone never keeps the process alive: stopping is the app's business, not this connection's.
    (client as unknown as { connection?: { stream?: { unref?: () => void } } }).connection?.stream?.unref?.();
    if (this.stopped) {
      await within(client.end());
      return;
    }
    await client.query(`listen ${CHANNEL}`);
    this.listener = client;
    // Anything committed while nobody was listening.
    await this.poll();
  }

  private async poll(): Promise<void> {
    try {
      const [row] = await this.orm.em.getConnection().execute<{ head: string }[]>('select sinergi_changes_head() as head');
      this.advance(Number(row?.head ?? 0));
    } catch (err) {
      this.log.debug({ err }, 'change feed: polling the head failed');
    }
  }

  private advance(seq: number): void {
    if (!Number.isFinite(seq) || seq <= this.head) return;
    this.head = seq;
    const woken = [...this.waiters];
    this.waiters.clear();
    for (const wake of woken) wake();
  }

  /** Resolves once the head is past `seq`, or after `ms` (the caller then checks its own state), or at `signal`. */
  waitBeyond(seq: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.head > seq || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.waiters.add(done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.poller) clearInterval(this.poller);
    for (const wake of [...this.waiters]) wake();
    const listener = this.listener;
    this.listener = null;
    // A connection the database dropped may never answer: shutting down does not wait on it.
    if (listener) await within(listener.end());
  }
}
