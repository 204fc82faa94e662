/**
 * The process's audit writer: appends each mutation's events with the COMMIT
 * of its transaction, then checks and seals every link the database made.
 * Unlike the chain's functions (audit.chain.ts), it keeps state, all of it
 * here: the events of each open transaction (`pending`), one sealer per
 * connection pool (`sealers`), and the seal writes under way (`flushes`,
 * which `sealsWritten` awaits before the pool closes).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import { detached } from '../../shared/detached';
import type { EventContent } from '../../data/audit-event';
import { finishWith, sqlLiteral } from '../../db/begin';
import { logger } from '../../logger';
import { auditProof, contentDigest, linkHash, sealOf, signContent } from './audit.chain';

/** Told how long an append took (its events linked, signed and committed), in seconds: the metrics' audit latency. */
export type AppendObserver = (seconds: number) => void;

/** The events of each open transaction, appended when it commits. */
const pending = new WeakMap<object, EventContent[]>();

/**
 * Queues one event to be appended by the transaction's COMMIT (see
 * `commitWithEvents`). The request's transaction must be one `beginWith`
 * opened: an event is never written outside the transaction of its change.
 */
export async function appendEvent(em: EntityManager, key: string, content: EventContent, observe?: AppendObserver): Promise<void> {
  const trx = em.getTransactionContext() as object | undefined;
  // The stored form is the hashed form: JSON round-trip drops undefined and normalises values.
  const e: EventContent = JSON.parse(JSON.stringify(content));
  const queued = trx && pending.get(trx);
  if (queued) {
    queued.push(e);
    return;
  }
  const events = [e];
  const sealer = sealerOf(em);
  if (!trx || !finishWith(em, (send) => commitWithEvents(sealer, key, events, send, observe))) throw new Error('audit append outside a request transaction');
  pending.set(trx, events);
}

const linkStatement = (e: EventContent, digest: string, signature: string, proof: string) =>
  `select seq, prev_hash, hash from sinergi_audit_link(${[
    sqlLiteral(e.occurredAt),
    sqlLiteral(e.requestId),
    sqlLiteral(e.actorAccountId),
    sqlLiteral(e.actorMinistryId),
    sqlLiteral(e.actorRole),
    sqlLiteral(e.operation),
    sqlLiteral(e.entityType),
    sqlLiteral(e.entityId),
    sqlLiteral(e.subjectMinistryId),
    `${sqlLiteral(JSON.stringify(e.changes))}::jsonb`,
    sqlLiteral(digest),
    sqlLiteral(signature),
    sqlLiteral(proof),
  ].join(', ')})`;

interface Link {
  seq: string;
  prev_hash: string;
  hash: string;
}

/**
 * Commits a transaction with its events: `select … from sinergi_audit_link(…);
 * …; COMMIT` in one message. The database numbers and links each event under
 * the chain's transaction lock, held only until this COMMIT, so appends from
 * every process are serialised there and the chain cannot fork, and no
 * commit waits for another to come back to this process first (the server
 * signed against a head it guessed until issue 11, and its commits took
 * turns: under load that queue was most of a mutation's time). The links
 * come back with the COMMIT; each is checked and sealed (`Sealer`).
 */
async function commitWithEvents(
  sealer: Sealer,
  key: string,
  events: EventContent[],
  send: (sql: string) => Promise<unknown>,
  observe?: AppendObserver,
): Promise<void> {
  const started = performance.now();
  const digests = events.map(contentDigest);
  const results = (await send(
    `${events.map((e, i) => linkStatement(e, digests[i], signContent(key, digests[i]), auditProof(key, `link:${digests[i]}`))).join('; ')}; COMMIT`,
  )) as {
    rows: Link[];
  }[];
  observe?.((performance.now() - started) / 1000);
  events.forEach((_, i) => sealer.seal(key, results[i].rows[0], digests[i]));
}

/**
 * Writes the seals of this process's events, in batches: one statement for
 * every event committed while the one before it was on its way. A seal is
 * written only for a link this process has checked against the digest it
 * sent; one the database got wrong is logged and left unsealed, which the
 * verifier then reports. Runs outside any request's context, so it is never
 * counted as a request's statement.
 */
class Sealer {
  private queue: { seq: string; hash: string; seal: string; proof: string }[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly connection: Connection) {}

  seal(key: string, link: Link, digest: string): void {
    if (!link || !/^\d+$/.test(link.seq) || linkHash(link.prev_hash, link.seq, digest) !== link.hash) {
      logger.error({ seq: link?.seq }, 'the database linked an audit event wrongly: it stays unsealed');
      return;
    }
    this.queue.push({ seq: link.seq, hash: link.hash, seal: sealOf(key, link.hash), proof: auditProof(key, `seal:${link.hash}`) });
    if (!this.flushing) {
      const flushing = detached(() => this.flush());
      this.flushing = flushing;
      flushes.add(flushing);
      void flushing.finally(() => flushes.delete(flushing));
    }
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length) {
        // A seal is a transaction of its own, with its own wait for the disk: gathering the events of a few
        // milliseconds into one costs each event a fraction of it, where under steady edits each seal
        // statement carried about one event. Well within the verifier's grace (SEAL_GRACE_MS).
        await new Promise((resolve) => setTimeout(resolve, sealGathering.ms));
        const batch = this.queue.splice(0, 1000);
        // Array literals: every element is digits or hex (checked above), nothing to quote.
        const array = (key: 'seq' | 'hash' | 'seal' | 'proof') => `{${batch.map((b) => b[key]).join(',')}}`;
        for (let attempt = 1; ; attempt++) {
          try {
            await this.connection.execute(
              'select sinergi_audit_seal(?::bigint[], ?::text[], ?::text[], ?::text[])',
              [array('seq'), array('hash'), array('seal'), array('proof')],
              'run',
            );
            break;
          } catch (err) {
            // The events are committed; without their seals the verifier reports them once they are overdue.
            const seqs = `${batch[0].seq}..${batch[batch.length - 1].seq}`;
            if (attempt === SEAL_ATTEMPTS) {
              logger.error({ err: String(err), seqs }, 'audit seals not written');
              break;
            }
            logger.warn({ err: String(err), seqs, attempt }, 'audit seals not written yet: trying again');
            await new Promise((resolve) => setTimeout(resolve, 500 * 2 ** attempt));
          }
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}

/** How long the sealer gathers events before it writes their seals (a test widens it to watch the gathering). */
export const sealGathering = { ms: 20 };

/** Tries to write a batch of seals, 1 + 2 + 4 + 8 s apart: a database that is back within 15 s loses none. */
const SEAL_ATTEMPTS = 5;

type Connection = ReturnType<EntityManager['getConnection']>;

/** One per database connection pool (an app, or a test's ORM). */
const sealers = new WeakMap<Connection, Sealer>();

function sealerOf(em: EntityManager): Sealer {
  const connection = em.getConnection();
  let sealer = sealers.get(connection);
  if (!sealer) sealers.set(connection, (sealer = new Sealer(connection)));
  return sealer;
}

/** The flushes of every sealer of this process that are under way. */
const flushes = new Set<Promise<void>>();

/** Resolves once this process has written (or failed to write) the seal of every event it has committed. */
export async function sealsWritten(): Promise<void> {
  while (flushes.size) await Promise.all(flushes);
}
