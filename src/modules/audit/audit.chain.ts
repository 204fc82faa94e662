/**
 * The audit chain: appending an event, sealing it, and verifying the whole
 * log (or the log against a signed checkpoint). Pure functions of the rows
 * and the audit key, shared by the API, the CLI and the tests.
 *
 * Events written since issue 11 carry a content digest:
 *   digest    = SHA-256( canonical JSON (RFC 8785) of the event's content )
 *   signature = HMAC-SHA256( audit key, "content:" digest )   — the server's, sent with the content
 *   hash      = SHA-256( prevHash ":" seq ":" digest )        — linked by the database, under the chain's lock
 *   seal      = HMAC-SHA256( audit key, "seal:" hash )        — the server's, once it has checked that link
 * With each link and each seal goes a proof, HMAC-SHA256 under a link key
 * derived from the audit key, that the database checks (see audit-key.ts):
 * the app role's password alone appends nothing.
 * Earlier events:
 *   hash      = SHA-256( canonical JSON of the event incl. seq and prevHash ),  signature = HMAC-SHA256( key, hash )
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import canonicalize from 'canonicalize';
import { AsyncResource } from 'node:async_hooks';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { present } from '../../shared/present';
import { finishWith, sqlLiteral } from '../../db/begin';
import { config } from '../../config';
import { logger } from '../../logger';
import type { EventContent } from '../../data/audit-event';

export const GENESIS_HASH = '0'.repeat(64);
const CHECKPOINT_TYPE = 'sinergi-audit-checkpoint';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const hmac = (key: string, text: string) => createHmac('sha256', key).update(text).digest('hex');

/** The hash of an event written before the database linked events (its content and place in one canonical form). */
export function eventHash(seq: string, prevHash: string, e: EventContent): string {
  return sha256(present(canonicalize({ ...e, seq, prevHash }), 'the canonical form of an event'));
}

/** The signature of an event written before the database linked events. */
export const sign = (key: string, hash: string) => hmac(key, hash);

/** The digest of an event's content. */
export const contentDigest = (e: EventContent) => sha256(present(canonicalize(e), 'the canonical form of an event'));

/** The server's signature of an event's content. */
export const signContent = (key: string, digest: string) => hmac(key, `content:${digest}`);

/** The link `sinergi_audit_link` computes: the event's place and content in one hash. */
export const linkHash = (prevHash: string, seq: string, digest: string) => sha256(`${prevHash}:${seq}:${digest}`);

/** The server's seal of a link it has checked. */
export const sealOf = (key: string, hash: string) => hmac(key, `seal:${hash}`);

const linkKeys = new Map<string, Buffer>();

/** The link key, derived one way from the audit key; the database holds it (audit-key.ts) to check each proof. */
export function linkKeyOf(key: string): Buffer {
  let link = linkKeys.get(key);
  if (!link) linkKeys.set(key, (link = createHmac('sha256', key).update('sinergi audit link key v1').digest()));
  return link;
}

/** The proof `sinergi_audit_mac` recomputes for a link (`link:` digest) or a seal (`seal:` hash). */
export const auditProof = (key: string, message: string) => createHmac('sha256', linkKeyOf(key)).update(message).digest('hex');

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

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

/** Runs `fn` outside the caller's async context (request, query counter). */
const detached = AsyncResource.bind(<T>(fn: () => Promise<T>): Promise<T> => new Promise((resolve) => setImmediate(() => resolve(fn()))));

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

/**
 * How long after an event occurred its seal may still be on its way: the
 * longest an operation may run before its COMMIT, and a minute. Until then the
 * verifier counts an unsealed event as pending, not as tampered with.
 */
const SEAL_GRACE_MS = Math.max(config.queryBudgetMs, config.importBudgetMs) + 60_000;

interface Row {
  seq: string;
  occurred_at: Date;
  request_id: string | null;
  actor_account_id: string | null;
  actor_ministry_id: string | null;
  actor_role: string | null;
  operation: string;
  entity_type: string;
  entity_id: string | null;
  subject_ministry_id: string | null;
  changes: unknown[];
  prev_hash: string;
  hash: string;
  signature: string;
  /** Events linked by the database: the digest of their content, and their seal if written. */
  content_digest?: string | null;
  seal_hash?: string | null;
  seal?: string | null;
}

export const contentOf = (r: Row): EventContent => ({
  occurredAt: new Date(r.occurred_at).toISOString(),
  requestId: r.request_id,
  actorAccountId: r.actor_account_id,
  actorMinistryId: r.actor_ministry_id,
  actorRole: r.actor_role,
  operation: r.operation,
  entityType: r.entity_type,
  entityId: r.entity_id,
  subjectMinistryId: r.subject_ministry_id,
  changes: r.changes,
});

export interface Checkpoint {
  seq: string;
  hash: string;
  time: string;
}

export interface Verification {
  valid: boolean;
  eventsChecked: number;
  headSeq: string | null;
  headHash: string | null;
  /** The first event that does not fit the chain (or the checkpoint). */
  firstBadSeq: string | null;
  reason: string | null;
  /** Events whose seal is still on its way from the server that wrote them (see `verifyChain`). */
  pendingSeals: number;
}

/** Why an event does not fit where it is, or null when it does (`pending` counts seals still on their way). */
function misfit(key: string, r: Row, prevHash: string, now: number, pending: { n: number }): string | null {
  if (r.prev_hash !== prevHash) return `event ${r.seq} does not follow the event before it (prevHash differs)`;
  if (!r.content_digest) {
    if (!same(eventHash(r.seq, r.prev_hash, contentOf(r)), r.hash))
      return `event ${r.seq} was changed after it was written (its content no longer matches its hash)`;
    return same(sign(key, r.hash), r.signature) ? null : `event ${r.seq} carries a hash the server never signed`;
  }
  const digest = contentDigest(contentOf(r));
  if (!same(digest, r.content_digest)) return `event ${r.seq} was changed after it was written (its content no longer matches its digest)`;
  if (!same(signContent(key, digest), r.signature)) return `event ${r.seq} carries content the server never signed`;
  if (!same(linkHash(r.prev_hash, r.seq, digest), r.hash))
    return `event ${r.seq} was changed after it was written (its hash no longer matches its place and content)`;
  if (!r.seal_hash || !r.seal) {
    if (now - new Date(r.occurred_at).getTime() <= SEAL_GRACE_MS) {
      pending.n++;
      return null;
    }
    return `event ${r.seq} was never sealed: the server that wrote it stopped before sealing it, or its seal was removed`;
  }
  if (r.seal_hash !== r.hash) return `event ${r.seq} is not the event its seal names: the log was rewritten`;
  return same(sealOf(key, r.hash), r.seal) ? null : `event ${r.seq} carries a seal the server never made`;
}

/**
 * Walks the whole log in order; stops at the first event that does not fit.
 * An event linked by the database whose seal has not been written yet counts
 * as pending while it is younger than `SEAL_GRACE_MS` (`pendingSeals`), and as
 * tampered with after that.
 */
export async function verifyChain(em: EntityManager, key: string, checkpoint?: Checkpoint, now = Date.now()): Promise<Verification> {
  // Not waiting for this process's seals: within a request, that wait would hold a connection the seals need.
  const pending = { n: 0 };
  let expectedSeq = 1n;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  let checkpointSeen = false;
  const fail = (seq: string | null, reason: string): Verification => ({
    valid: false,
    eventsChecked: checked,
    headSeq: checked ? (expectedSeq - 1n).toString() : null,
    headHash: checked ? prevHash : null,
    firstBadSeq: seq,
    reason,
    pendingSeals: pending.n,
  });
  for (;;) {
    const rows = await em.execute<Row[]>(
      `select e.seq::text as seq, e.occurred_at, e.request_id, e.actor_account_id, e.actor_ministry_id, e.actor_role, e.operation, e.entity_type,
          e.entity_id, e.subject_ministry_id, e.changes, e.prev_hash, e.hash, e.signature, e.content_digest, s.hash as seal_hash, s.signature as seal
        from audit_event e left join audit_seal s on s.seq = e.seq where e.seq >= ? order by e.seq limit 1000`,
      [expectedSeq.toString()],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      if (BigInt(r.seq) !== expectedSeq) return fail(expectedSeq.toString(), `event ${expectedSeq} is missing (the next one is ${r.seq})`);
      const why = misfit(key, r, prevHash, now, pending);
      if (why) return fail(r.seq, why);
      if (checkpoint && r.seq === checkpoint.seq) {
        checkpointSeen = true;
        if (r.hash !== checkpoint.hash) return fail(r.seq, `event ${r.seq} differs from the checkpoint of ${checkpoint.time}: the log was rewritten`);
      }
      prevHash = r.hash;
      expectedSeq++;
      checked++;
    }
  }
  if (checkpoint && checkpoint.seq !== '0' && !checkpointSeen)
    return fail(expectedSeq.toString(), `the log ends at event ${expectedSeq - 1n}, before the checkpoint's event ${checkpoint.seq}: it was truncated`);
  return {
    valid: true,
    eventsChecked: checked,
    headSeq: checked ? (expectedSeq - 1n).toString() : null,
    headHash: checked ? prevHash : null,
    firstBadSeq: null,
    reason: null,
    pendingSeals: pending.n,
  };
}

/** A signed statement of the chain head, to be kept outside the system. */
export async function signCheckpoint(em: EntityManager, key: string): Promise<Checkpoint & { token: string }> {
  const [head] = await em.execute<{ seq: string; hash: string }[]>('select seq::text as seq, hash from audit_event order by audit_event.seq desc limit 1');
  const cp = { seq: head?.seq ?? '0', hash: head?.hash ?? GENESIS_HASH, time: new Date().toISOString() };
  const token = await new SignJWT({ seq: cp.seq, hash: cp.hash, time: cp.time })
    .setProtectedHeader({ alg: 'HS256', typ: CHECKPOINT_TYPE })
    .setIssuedAt()
    .sign(new TextEncoder().encode(key));
  return { ...cp, token };
}

/** The checkpoint in a token, or null when its signature is not the server's. */
export async function readCheckpoint(key: string, token: string): Promise<Checkpoint | null> {
  try {
    const { payload, protectedHeader } = await jwtVerify(token.trim(), new TextEncoder().encode(key), { algorithms: ['HS256'] });
    if (protectedHeader.typ !== CHECKPOINT_TYPE || typeof payload.seq !== 'string' || typeof payload.hash !== 'string') return null;
    return { seq: payload.seq, hash: payload.hash, time: String(payload.time) };
  } catch {
    return null;
  }
}
