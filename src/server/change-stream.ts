/**
 * The source of the `changes` subscription (issue 33): each subscriber's changes, read from the audit log in
 * batches, each batch in a transaction opened for the subscriber's scope.
 *
 * A batch is the events after the last one read, up to the head the feed knows (change-feed.ts), at most
 * `BATCH_EVENTS` of them. Its transaction is opened from a subscriber's token — the database checks the
 * session and seals the scope as it is at that moment, so an MoU that ended or a clause that was narrowed
 * stops the partner's rows from the next batch on — and asks `sinergi_changes`, which answers only the rows
 * that scope may read. Each change is then executed in that transaction (its `node` read through the
 * ordinary read path, masked, and logged where a full personal value is read), and the transaction commits
 * before anything is sent.
 *
 * **Fan-out.** Subscribers whose sessions share a scope key (role, ministry, approval: what the database
 * derives a scope from besides the clauses in force, `sinergi_session_scope`) and a position form a cohort:
 * one transaction reads each batch for all of them, the nodes are loaded once (the context's loaders), and a
 * document run by several of them is executed once per change. A document that may write the personal-data
 * read log is the exception: the log names its reader, so such a subscriber reads in a transaction of its
 * own. The key is the database's, asked when the connection opens and every second after (subscriptions.ts);
 * the leader's own transaction checks its key again, and a subscriber whose key changed moves to the cohort of
 * its new one. Cohorts at one position merge while they wait, so subscribers resuming from a cursor catch up
 * in their own cohort and then join the live one.
 *
 * A cursor is sealed (`CursorSeal`): the event's sequence number, the change's place in it, and when the
 * event happened, for the retention (CHANGES_RETENTION_DAYS).
 */
import type { ExecutionResult } from 'graphql';
import type { Logger } from 'pino';
import type { ChangeBatch, ChangeEvent, Context } from '../context';
import type { Viewer } from '../access/roles';
import type { CursorSeal } from '../shared/cursor-seal';
import { AppError, ErrorCode, badUserInput, unauthenticated } from '../shared/errors';
import type { ChangeFeed } from './change-feed';

/** Events read per batch: the sequence numbers are dense, so this bounds a batch's statement. */
const BATCH_EVENTS = 500;
/** How often an idle stream looks at its signal and the feed again. */
const IDLE_MS = 1_000;
/**
 * The least time between the starts of two batches of one cohort or subscriber: changes committed meanwhile
 * are read together. Under a steady flow of writes each commit would otherwise wake every cohort for a
 * batch of its own, and a batch costs a transaction. The wait grows with the streams a process serves
 * (GATHER_MS_EACH per cohort or own-transaction subscriber, between GATHER_MS_MIN and GATHER_MS_MAX), so the
 * batches a process reads stay near 1000 / GATHER_MS_EACH per second however many there are; the cost is
 * that much added delay at most.
 */
const GATHER_MS_MIN = 100;
const GATHER_MS_MAX = 1_000;
const GATHER_MS_EACH = 10;
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

/** Waits out the rest of the gathering time (`gatherMs`) after a batch that started at `started`. */
const gather = (started: number, gatherMs: number) => {
  const rest = started + gatherMs - Date.now();
  return rest > 0 ? new Promise((resolve) => setTimeout(resolve, rest)) : undefined;
};

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
  /** The scope key of the connection's session, as the database last told it (`scopeKeyOf`); null once it ended. */
  scopeKey(): string | null;
  /**
   * What makes this subscriber's result for a change equal another's in the same transaction: its document,
   * operation and variables. Null when its document may write the personal-data read log: it then reads in a
   * transaction of its own, whose log names it.
   */
  shares: string | null;
  /** Executes the subscriber's document for one change, in `context`'s transaction. */
  run(event: ChangeEvent, context: Context): Promise<ExecutionResult>;
}

/** The scope key of a viewer, as `sinergi_session_scope` computes it for a session. */
export const scopeKeyOf = (viewer: Pick<Viewer, 'role' | 'ministryId' | 'pending'>): string =>
  `${viewer.role}|${viewer.ministryId ?? ''}|${viewer.pending ? 'pending' : ''}`;

/** One subscriber of a cohort: its results wait here until its stream takes them. */
class Member {
  private readonly queue: (readonly ExecutionResult[] | Error)[] = [];
  private wake: (() => void) | null = null;

  constructor(
    readonly subscriber: Subscriber,
    readonly types: ReadonlySet<string> | null,
  ) {}

  push(item: readonly ExecutionResult[] | Error): void {
    this.queue.push(item);
    this.wake?.();
  }

  wants(event: ChangeEvent): boolean {
    return !this.types || this.types.has(event.type);
  }

  /** The member's stream: what its cohort executed for it, batch by batch, until its connection closes. */
  async *results(): AsyncGenerator<ChangeBatch> {
    const { signal } = this.subscriber;
    const stop = () => this.wake?.();
    signal.addEventListener('abort', stop, { once: true });
    try {
      while (!signal.aborted) {
        const item = this.queue.shift();
        if (item instanceof Error) throw item;
        if (item) yield { results: item };
        else
          await new Promise<void>((resolve) => {
            this.wake = resolve;
          });
        this.wake = null;
      }
    } finally {
      signal.removeEventListener('abort', stop);
    }
  }
}

/** Subscribers of one scope key at one position: each batch is read and executed once for all of them. */
class Cohort {
  readonly members = new Set<Member>();
  /** Waiting for the feed, between batches: another cohort at the same key and position may merge into it. */
  waiting = false;
  constructor(
    readonly key: string,
    public position: Position,
  ) {}
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
  private readonly cohorts = new Set<Cohort>();
  /** Batches read so far, in transactions shared by a cohort and in subscribers' own; documents executed in shared ones. */
  readonly counts = { shared: 0, own: 0, executions: 0 };

  constructor(
    private readonly feed: ChangeFeed,
    private readonly cursors: CursorSeal,
    private readonly nodeTypes: ReadonlySet<string>,
    private readonly retentionMs: number,
    private readonly log: Logger,
  ) {}

  /** Streams reading batches of their own: one per cohort, one per subscriber outside them. */
  private ownReaders = 0;

  private gatherMs(): number {
    return Math.min(GATHER_MS_MAX, Math.max(GATHER_MS_MIN, (this.cohorts.size + this.ownReaders) * GATHER_MS_EACH));
  }

  /** Cohorts now, and subscribers in them (for tests and the benchmark's report). */
  get fanOut(): { cohorts: number; members: number } {
    let members = 0;
    for (const c of this.cohorts) members += c.members.size;
    return { cohorts: this.cohorts.size, members };
  }

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
      const start = from ?? { seq: this.feed.head, ord: Infinity };
      const key = subscriber.scopeKey();
      if (subscriber.shares === null || key === null) {
        this.ownReaders++;
        try {
          yield* this.batches(subscriber, start, types);
        } finally {
          this.ownReaders--;
        }
      } else {
        const member = new Member(subscriber, types);
        this.join(member, key, start);
        yield* member.results();
      }
    } finally {
      subscriber.done();
    }
  }

  /** Puts `member` in the waiting cohort of its key at its position, or in a new one. */
  private join(member: Member, key: string, position: Position): void {
    let cohort = [...this.cohorts].find((c) => c.waiting && c.key === key && c.position.seq === position.seq && c.position.ord === position.ord);
    if (cohort) {
      cohort.members.add(member);
      return;
    }
    cohort = new Cohort(key, position);
    cohort.members.add(member);
    this.cohorts.add(cohort);
    void this.runCohort(cohort);
  }

  private async runCohort(cohort: Cohort): Promise<void> {
    try {
      for (;;) {
        for (const m of cohort.members) if (m.subscriber.signal.aborted) cohort.members.delete(m);
        if (!cohort.members.size) return;
        const { position } = cohort;
        if (this.feed.head <= position.seq) {
          // Another cohort of the key waiting at the same place: one is enough.
          const twin = [...this.cohorts].find(
            (c) => c !== cohort && c.waiting && c.key === cohort.key && c.position.seq === position.seq && c.position.ord === position.ord,
          );
          if (twin) {
            for (const m of cohort.members) twin.members.add(m);
            cohort.members.clear();
            return;
          }
          cohort.waiting = true;
          await this.feed.waitBeyond(position.seq, IDLE_MS);
          cohort.waiting = false;
          continue;
        }
        const started = Date.now();
        await this.readCohortBatch(cohort);
        await gather(started, this.gatherMs());
      }
    } catch (err) {
      this.log.error({ err }, 'changes: a cohort failed');
      for (const m of cohort.members) m.push(err instanceof Error ? err : new Error(String(err)));
    } finally {
      this.cohorts.delete(cohort);
    }
  }

  /**
   * One batch for a cohort, in a transaction opened from one member's token (the leader). Members whose key
   * changed move to their key's cohort first, members whose session ended are told so, and a consumer too
   * far behind is dropped; a failure of the batch ends every member's stream with it.
   */
  private async readCohortBatch(cohort: Cohort): Promise<void> {
    const position = cohort.position;
    for (const m of [...cohort.members]) {
      const key = m.subscriber.scopeKey();
      if (key === cohort.key && !m.subscriber.congested()) continue;
      cohort.members.delete(m);
      if (key === null) m.push(unauthenticated('SESSION_ENDED'));
      else if (key !== cohort.key) this.join(m, key, position);
    }
    const leader = cohort.members.values().next().value;
    if (!leader) return;
    const after = position.ord === Infinity ? position.seq : position.seq - 1;
    const release = await this.turns.take();
    // Up to the head as it is once the turn came: what committed while waiting for it is read in this batch too.
    const upto = Math.min(this.feed.head, after + BATCH_EVENTS);
    let context: Context | undefined;
    let open = false;
    try {
      context = await leader.subscriber.open();
      await context.begin(BATCH_BUDGET_MS, true, null, false);
      open = true;
      const viewer = context.viewer;
      if (!viewer || scopeKeyOf(viewer) !== cohort.key) {
        // The leader's session ended or changed since the last look: it leaves, another leads next time.
        cohort.members.delete(leader);
        if (!viewer) leader.push(unauthenticated(context.authProblem()));
        else this.join(leader, scopeKeyOf(viewer), position);
        return;
      }
      const events = await this.eventsOf(context, after, upto, position, null);
      this.counts.shared++;
      const members = [...cohort.members];
      const results = new Map<Member, ExecutionResult[]>(members.map((m) => [m, []]));
      for (const event of events) {
        // One execution per distinct document for this change; its nodes come from the context's loaders.
        const executed = new Map<string, ExecutionResult>();
        for (const m of members) {
          if (!m.wants(event)) continue;
          const shares = m.subscriber.shares as string;
          let result = executed.get(shares);
          if (!result) {
            executed.set(shares, (result = await m.subscriber.run(event, context)));
            this.counts.executions++;
          }
          results.get(m)?.push(result);
        }
      }
      open = false;
      await context.end(true, { readOnly: true });
      cohort.position = { seq: upto, ord: Infinity };
      for (const [m, r] of results) if (r.length) m.push(r);
    } finally {
      if (open) await context?.end(false, { readOnly: true }).catch(() => undefined);
      release();
    }
  }

  /** The changes of events `after < seq <= upto` the transaction's scope may read, past `position`, of `types`. */
  private async eventsOf(context: Context, after: number, upto: number, position: Position, types: ReadonlySet<string> | null): Promise<ChangeEvent[]> {
    const rows = await context.em.execute<ChangeRow[]>('select seq, ord, occurred_at, entity, id, op from sinergi_changes(?, ?)', [after, upto]);
    return rows
      .filter((row) => !(Number(row.seq) === position.seq && row.ord <= position.ord) && (!types || types.has(row.entity)))
      .map((row) => ({
        cursor: this.cursorOf(row),
        operation: OPERATIONS[row.op],
        type: row.entity,
        recordId: row.id,
        occurredAt: new Date(row.occurred_at),
      }));
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
      const started = Date.now();
      const { batch, upto } = await this.readBatch(subscriber, after, position, types);
      position = { seq: upto, ord: Infinity };
      if (batch) yield batch;
      await gather(started, this.gatherMs());
    }
  }

  /** One batch in a transaction of the subscriber's own (null when it holds nothing for them: then already committed), and the last event it covers. */
  private async readBatch(
    subscriber: Subscriber,
    after: number,
    position: Position,
    types: ReadonlySet<string> | null,
  ): Promise<{ batch: ChangeBatch | null; upto: number }> {
    const release = await this.turns.take();
    // Up to the head as it is once the turn came: what committed while waiting for it is read in this batch too.
    const upto = Math.min(this.feed.head, after + BATCH_EVENTS);
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
      const events = await this.eventsOf(context, after, upto, position, types);
      this.counts.own++;
      if (!events.length) {
        await finish();
        return { batch: null, upto };
      }
      return { batch: { events, context, finish }, upto };
    } catch (e) {
      await finish();
      if (!open) release();
      throw e;
    }
  }
}
