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

/**
 * Appends one event in the caller's transaction, in one statement most of
 * the time. `sinergi_audit_append` (the only way the app role can write the
 * log) takes a transaction advisory lock, so appends from every process are
 * serialised until their transactions end and the chain cannot fork; it
 * stores the event only if it chains onto the real head. The event is hashed
 * and signed here, against the head this process saw last; when another
 * process or request moved the head meanwhile, the function answers with the
 * real one (the lock is now ours) and the second call cannot miss. A rollback
 * takes the event with it.
 */
export async function appendEvent(em: EntityManager, key: string, content: EventContent): Promise<ChainedEvent> {
  const db = String(em.config.get('clientUrl') ?? '');
  // The stored form is the hashed form: JSON round-trip drops undefined and normalises values.
  const e: EventContent = JSON.parse(JSON.stringify(content));
  let head = lastHead.get(db) ?? { seq: '0', hash: GENESIS_HASH };
  for (let attempt = 0; attempt < 3; attempt++) {
    const seq = (BigInt(head.seq) + 1n).toString();
    const hash = eventHash(seq, head.hash, e);
    const signature = sign(key, hash);
    const [{ r }] = await em.execute<{ r: { ok: boolean; seq?: string; hash?: string } }[]>(
      'select sinergi_audit_append(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?) as r',
      [
        seq,
        head.hash,
        e.occurredAt,
        e.requestId,
        e.actorAccountId,
        e.actorMinistryId,
        e.actorRole,
        e.operation,
        e.entityType,
        e.entityId,
        e.subjectMinistryId,
        JSON.stringify(e.changes),
        hash,
        signature,
      ],
    );
    if (r.ok) {
      lastHead.set(db, { seq, hash });
      return { ...e, seq, prevHash: head.hash, hash, signature };
    }
    head = { seq: present(r.seq, "the chain head's sequence number"), hash: present(r.hash, "the chain head's hash") };
  }
  throw new Error('audit append: the chain head kept moving while the append lock was held');
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
