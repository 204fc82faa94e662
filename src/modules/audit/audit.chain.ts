/**
 * The audit chain: appending an event, and verifying the whole log (or the
 * log against a signed checkpoint). Pure functions of the rows and the audit
 * key, shared by the API, the CLI and the tests.
 *
 * hash      = SHA-256( canonical JSON (RFC 8785) of the event incl. seq and prevHash )
 * signature = HMAC-SHA256( audit key, hash )
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import canonicalize from 'canonicalize';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { present } from '../../shared/present';
import { finishWith, sqlLiteral } from '../../db/begin';

export const GENESIS_HASH = '0'.repeat(64);
const CHECKPOINT_TYPE = 'sinergi-audit-checkpoint';

export interface EventContent {
  occurredAt: string;
  requestId: string | null;
  actorAccountId: string | null;
  actorMinistryId: string | null;
  actorRole: string | null;
  operation: string;
  entityType: string;
  entityId: string | null;
  subjectMinistryId: string | null;
  changes: unknown[];
}

export interface ChainedEvent extends EventContent {
  seq: string;
  prevHash: string;
  hash: string;
  signature: string;
}

export function eventHash(seq: string, prevHash: string, e: EventContent): string {
  const body = canonicalize({ ...e, seq, prevHash });
  return createHash('sha256').update(present(body, 'the canonical form of an event')).digest('hex');
}

export const sign = (key: string, hash: string) => createHmac('sha256', key).update(hash).digest('hex');

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/** Appends one mutation's event in the request's transaction. */
export type AuditAppender = (em: EntityManager, key: string, content: EventContent) => Promise<unknown>;

/** The head each database was last seen at by this process: the guess the next append signs against. */
const lastHead = new Map<string, { seq: string; hash: string }>();

/** Per database, the end of this process's queue of committing appends (see `commitWithEvents`). */
const turns = new Map<string, Promise<unknown>>();

/** The events of each open transaction, appended when it commits. */
const pending = new WeakMap<object, EventContent[]>();

/** What `sinergi_audit_append` raises when the caller signed against a head that is not the chain's. */
const HEAD_MOVED = 'SNA01';
/** The transaction advisory lock `sinergi_audit_append` serialises appends with. */
const AUDIT_LOCK = 73462011;

/**
 * Queues one event to be appended by the transaction's COMMIT (see
 * `commitWithEvents`). The request's transaction must be one `beginWith`
 * opened: an event is never written outside the transaction of its change.
 */
export async function appendEvent(em: EntityManager, key: string, content: EventContent): Promise<void> {
  const trx = em.getTransactionContext() as object | undefined;
  // The stored form is the hashed form: JSON round-trip drops undefined and normalises values.
  const e: EventContent = JSON.parse(JSON.stringify(content));
  const queued = trx && pending.get(trx);
  if (queued) {
    queued.push(e);
    return;
  }
  const events = [e];
  const db = String(em.config.get('clientUrl') ?? '');
  if (!trx || !finishWith(em, (send) => commitWithEvents(db, key, events, send))) throw new Error('audit append outside a request transaction');
  pending.set(trx, events);
}

/** The events chained onto `head`, hashed and signed. */
export function link(key: string, head: { seq: string; hash: string }, events: EventContent[]): ChainedEvent[] {
  const chained: ChainedEvent[] = [];
  let prev = head;
  for (const e of events) {
    const seq = (BigInt(prev.seq) + 1n).toString();
    const hash = eventHash(seq, prev.hash, e);
    chained.push({ ...e, seq, prevHash: prev.hash, hash, signature: sign(key, hash) });
    prev = { seq, hash };
  }
  return chained;
}

const appendStatement = (c: ChainedEvent) =>
  `select sinergi_audit_append(${[
    sqlLiteral(c.seq),
    sqlLiteral(c.prevHash),
    sqlLiteral(c.occurredAt),
    sqlLiteral(c.requestId),
    sqlLiteral(c.actorAccountId),
    sqlLiteral(c.actorMinistryId),
    sqlLiteral(c.actorRole),
    sqlLiteral(c.operation),
    sqlLiteral(c.entityType),
    sqlLiteral(c.entityId),
    sqlLiteral(c.subjectMinistryId),
    `${sqlLiteral(JSON.stringify(c.changes))}::jsonb`,
    sqlLiteral(c.hash),
    sqlLiteral(c.signature),
  ].join(', ')})`;

/**
 * Commits a transaction with its events: `lock; SAVEPOINT; append…; COMMIT` in one
 * message. `sinergi_audit_append` (the only way the app role can write the
 * log) takes a transaction advisory lock and stores an event only if it
 * chains onto the real head, so appends from every process are serialised and
 * the chain cannot fork; sent with COMMIT, that lock is held for the append
 * and the commit only, never across a round trip to this process — under
 * load it was what every mutation queued for.
 *
 * The events are hashed and signed here, against the head this process saw
 * last; this process's commits take turns, so that guess is right unless
 * another process appended meanwhile. Then the function raises with the real
 * head, the message stops before COMMIT, and the next message rolls back to
 * the savepoint (keeping the mutation's writes and the lock, taken before it)
 * and appends again, signed against that head, which cannot have moved.
 */
async function commitWithEvents(db: string, key: string, events: EventContent[], send: (sql: string) => Promise<unknown>): Promise<void> {
  const before = turns.get(db) ?? Promise.resolve();
  let done!: () => void;
  const mine = new Promise<void>((resolve) => (done = resolve));
  turns.set(db, mine);
  await before;
  try {
    let head = lastHead.get(db) ?? { seq: '0', hash: GENESIS_HASH };
    for (let attempt = 0; ; attempt++) {
      const chained = link(key, head, events);
      const appends = chained.map(appendStatement).join('; ');
      // The lock is taken before the savepoint, so a retry keeps it: the head it learnt cannot move again.
      const start = attempt === 0 ? `select pg_advisory_xact_lock(${AUDIT_LOCK}); SAVEPOINT sinergi_audit` : 'ROLLBACK TO SAVEPOINT sinergi_audit';
      try {
        await send(`${start}; ${appends}; COMMIT`);
        const last = chained[chained.length - 1];
        lastHead.set(db, { seq: last.seq, hash: last.hash });
        return;
      } catch (err) {
        const moved = err as { code?: string; detail?: string };
        if (moved.code !== HEAD_MOVED || !moved.detail || attempt > 0) throw err;
        const [seq, hash] = moved.detail.split(' ');
        head = { seq, hash };
      }
    }
  } finally {
    done();
    if (turns.get(db) === mine) turns.delete(db);
  }
}

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
}

/** Walks the whole log in order; stops at the first event that does not fit. */
export async function verifyChain(em: EntityManager, key: string, checkpoint?: Checkpoint): Promise<Verification> {
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
  });
  for (;;) {
    const rows = await em.execute<Row[]>(
      'select seq::text as seq, occurred_at, request_id, actor_account_id, actor_ministry_id, actor_role, operation, entity_type, entity_id, subject_ministry_id, changes, prev_hash, hash, signature from audit_event where audit_event.seq >= ? order by audit_event.seq limit 1000',
      [expectedSeq.toString()],
    );
    if (rows.length === 0) break;
    for (const r of rows) {
      if (BigInt(r.seq) !== expectedSeq) return fail(expectedSeq.toString(), `event ${expectedSeq} is missing (the next one is ${r.seq})`);
      if (r.prev_hash !== prevHash) return fail(r.seq, `event ${r.seq} does not follow the event before it (prevHash differs)`);
      const hash = eventHash(r.seq, r.prev_hash, contentOf(r));
      if (!same(hash, r.hash)) return fail(r.seq, `event ${r.seq} was changed after it was written (its content no longer matches its hash)`);
      if (!same(sign(key, r.hash), r.signature)) return fail(r.seq, `event ${r.seq} carries a hash the server never signed`);
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
