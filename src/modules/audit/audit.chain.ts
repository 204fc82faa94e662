/**
 * The audit chain: how an event is hashed, signed, linked and sealed, and
 * verifying the whole log (or the log against a signed checkpoint). Pure
 * functions of the rows and the audit key, shared by the API, the CLI and
 * the tests; the process's writer, which keeps state, is audit.writer.ts.
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
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { jwtVerify, SignJWT } from 'jose';
import { present } from '../../shared/present';
import { config } from '../../config';
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

/** The link key, derived one way from the audit key; the database holds it (audit-key.ts) to check each proof. */
export const linkKeyOf = (key: string): Buffer => createHmac('sha256', key).update('sinergi audit link key v1').digest();

/** The proof `sinergi_audit_mac` recomputes for a link (`link:` digest) or a seal (`seal:` hash). */
export const auditProof = (key: string, message: string) => createHmac('sha256', linkKeyOf(key)).update(message).digest('hex');

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * How long after an event occurred its seal may still be on its way: the
 * longest an operation may run before its COMMIT, and a minute. Until then the
 * verifier counts an unsealed event as pending, not as tampered with.
 */
const SEAL_GRACE_MS = Math.max(config.queryBudgetMs, config.importBudgetMs) + 60_000;

/** An audit event's row as the database holds it. */
export interface EventRow {
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

type Row = EventRow;

export const contentOf = (r: EventRow): EventContent => ({
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
