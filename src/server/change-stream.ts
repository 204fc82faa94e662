/**
 * The source of the `changes` subscription (issue 33): each subscriber's changes, read from the audit log in
 * batches, each batch in a transaction of the subscriber's own.
 *
 * A batch is the events after the last one read, up to the head the feed knows (change-feed.ts), at most
 * `BATCH_EVENTS` of them. It opens a fresh context for the subscriber — the database checks the session and
 * seals the scope as it is at that moment, so an MoU that ended or a clause that was narrowed stops the
 * partner's rows from the next batch on — and asks `sinergi_changes`, which answers only the rows that
 * scope may read. Each change is then executed in that transaction (its `node` read through the ordinary
 * read path, masked and logged), and the transaction commits after the batch's last change was sent, with
 * its read-log entries. A session that has ended ends the stream.
 *
 * A cursor is sealed (`CursorSeal`): the event's sequence number, the change's place in it, and when the
 * event happened, for the retention (CHANGES_RETENTION_DAYS).
 */
import type { ChangeBatch, Context } from '../context';
import type { CursorSeal } from '../shared/cursor-seal';
import { AppError, ErrorCode, badUserInput, unauthenticated } from '../shared/errors';
import type { ChangeFeed } from './change-feed';

/** Events read per batch: the sequence numbers are dense, so this bounds a batch's statement. */
const BATCH_EVENTS = 500;
/** How often an idle stream looks at its signal and the feed again. */
const IDLE_MS = 1_000;
/** A batch's time budget in the database: it reads, it does not wait. */
const BATCH_BUDGET_MS = 10_000;
const CURSOR_PREFIX = 'chg1';
/**
 * Batches one process reads at once, each on a connection of the pool (20): requests keep the rest
 * (MAX_CONCURRENT_OPERATIONS, 16), however many subscribers one commit wakes.
 */
const CONCURRENT_BATCHES = 4;

/** Turns for a bounded number of holders, given in the order asked. */
class Turns {
  private held = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async take(): Promise<() => void> {
    if (this.held >= this.max) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.held++;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const next = this.waiting.shift();
      if (next) next();
      else this.held--;
    };
  }
}

const OPERATIONS = { create: 'CREATED', update: 'UPDATED', delete: 'DELETED' } as const;

interface ChangeRow {
  seq: string;
  ord: number;
  /** A timestamp: a Date or its text, as the statement's path returns it. */
  occurred_at: Date | string;
  entity: string;
  id: string;
  op: keyof typeof OPERATIONS;
}

/** What the transport knows of one subscriber's connection. */
export interface Subscriber {
  /** A fresh context for the connection's caller (its token), not yet begun. */
  open(): Promise<Context>;
  /** Aborted when the connection closes. */
  signal: AbortSignal;
  /** Whether the consumer has fallen too far behind: the transport then drops it, and the stream ends. */
  congested(): boolean;
  /** Told once, when the stream ends for whatever reason. */
  done(): void;
}

interface Position {
  seq: number;
  /** The last change of event `seq` already delivered; Infinity once the whole event was. */
  ord: number;
}

export class ChangeStreams {
  /** The connection behind each connection-level context the transports create. */
  readonly subscribers = new WeakMap<Context, Subscriber>();
  private readonly turns = new Turns(CONCURRENT_BATCHES);

  constructor(
    private readonly feed: ChangeFeed,
    private readonly cursors: CursorSeal,
    private readonly nodeTypes: ReadonlySet<string>,
    private readonly retentionMs: number,
  ) {}

  private cursorOf(row: ChangeRow): string {
    return this.cursors.seal(`${CURSOR_PREFIX}:${row.seq}:${row.ord}:${new Date(row.occurred_at).getTime()}`);
  }

  /** Where a stream resumes: after the change `after` names, or (null) now. */
  private start(after: string | null | undefined): Position | null {
    if (after === null || after === undefined) return null;
    const parts = this.cursors.open(after)?.split(':');
    if (!parts || parts.length !== 4 || parts[0] !== CURSOR_PREFIX || !parts.slice(1).every((p) => /^\d+$/.test(p)))
      throw badUserInput('`after` is not a cursor of this stream: pass the `cursor` of a change you received.', 'after');
    const [seq, ord, at] = parts.slice(1).map(Number);
    if (Date.now() - at > this.retentionMs)
      throw new AppError(
        ErrorCode.CURSOR_EXPIRED,
        `This cursor is older than the ${Math.round(this.retentionMs / 86_400_000)} days changes are kept for resuming: read your lists again, then subscribe without \`after\`.`,
        { field: 'after' },
      );
    return { seq, ord };
  }

  private typesOf(types: readonly string[] | null | undefined): ReadonlySet<string> | null {
    if (!types) return null;
    const unknown = types.find((t) => !this.nodeTypes.has(t));
    if (unknown !== undefined) throw badUserInput(`types: "${unknown}" is not a type of record (one of ${[...this.nodeTypes].sort().join(', ')}).`, 'types');
    return new Set(types);
  }

  /** The changes the caller of `connection` may read: what `subscribe` of `Subscription.changes` returns. */
  stream(connection: Context, args: { after?: string | null; types?: string[] | null }): AsyncIterable<ChangeBatch> {
    const subscriber = this.subscribers.get(connection);
    if (!subscriber)
      throw new AppError(ErrorCode.BAD_REQUEST, 'Subscriptions are served over WebSocket (graphql-ws) at /graphql and Server-Sent Events at /graphql/stream.');
    if (!connection.currentSession()) throw unauthenticated(connection.authProblem());
    // Checked now, so a bad argument is the subscription's error, not the stream's first event.
    const position = this.start(args.after);
    const types = this.typesOf(args.types);
    return this.read(subscriber, position, types);
  }

  private async *read(subscriber: Subscriber, from: Position | null, types: ReadonlySet<string> | null): AsyncGenerator<ChangeBatch> {
    try {
      await this.feed.ready();
      yield* this.batches(subscriber, from ?? { seq: this.feed.head, ord: Infinity }, types);
    } finally {
      subscriber.done();
    }
  }

  private async *batches(subscriber: Subscriber, from: Position, types: ReadonlySet<string> | null): AsyncGenerator<ChangeBatch> {
    let position = from;
    const { signal } = subscriber;
    while (!signal.aborted) {
      if (this.feed.head <= position.seq) {
        await this.feed.waitBeyond(position.seq, IDLE_MS, signal);
        continue;
      }
      // A consumer that has not read what it was sent gets no more (the transport drops it).
      if (subscriber.congested()) return;
      // A cursor in the middle of an event reads that event again, past the changes already delivered.
      const after = position.ord === Infinity ? position.seq : position.seq - 1;
      const upto = Math.min(this.feed.head, after + BATCH_EVENTS);
      const batch = await this.readBatch(subscriber, after, upto, position, types);
      position = { seq: upto, ord: Infinity };
      if (batch) yield batch;
    }
  }

  /** One batch in a transaction of the subscriber's own, or null when it holds nothing for them (then already committed). */
  private async readBatch(
    subscriber: Subscriber,
    after: number,
    upto: number,
    position: Position,
    types: ReadonlySet<string> | null,
  ): Promise<ChangeBatch | null> {
    const release = await this.turns.take();
    let context: Context | undefined;
    let open = false;
    const finish = async () => {
      if (!open) return;
      open = false;
      // The changes executed were read: their read-log entries commit even if the subscriber has gone since.
      await context?.end(true, { readOnly: true }).catch(() => undefined);
      release();
    };
    try {
      context = await subscriber.open();
      await context.begin(BATCH_BUDGET_MS, true, null, false);
      open = true;
      if (!context.viewer) throw unauthenticated(context.authProblem());
      const rows = await context.em.execute<ChangeRow[]>('select seq, ord, occurred_at, entity, id, op from sinergi_changes(?, ?)', [after, upto]);
      const events = rows
        .filter((row) => !(Number(row.seq) === position.seq && row.ord <= position.ord) && (!types || types.has(row.entity)))
        .map((row) => ({
          cursor: this.cursorOf(row),
          operation: OPERATIONS[row.op],
          type: row.entity,
          recordId: row.id,
          occurredAt: new Date(row.occurred_at),
        }));
      if (!events.length) {
        await finish();
        return null;
      }
      return { events, context, finish };
    } catch (e) {
      await finish();
      if (!open) release();
      throw e;
    }
  }
}
