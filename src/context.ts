/**
 * What every resolver gets: the state of one request — who asks, the one
 * transaction it runs in and the scope it reads under — and a reference to
 * the services the process shares between requests. Only the contract lives
 * here; server/request-context.ts builds it for each request.
 *
 * Apollo hands plugins and resolvers a shallow copy of the context, so
 * whatever one of them changes for the others to see is a member of an
 * object of its own (`mutation`, `lane`, `access`), never a plain field.
 */
import type { AppQuotaBounds } from './config';
import type { QuotaState } from './shared/quota';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import type { ValidationRule } from 'graphql';
import type { Scope } from './access/scope';
import type { Viewer } from './access/roles';
import type { SessionClaims, TokenService } from './access/tokens';
import type { LoginThrottle } from './access/login-throttle';
import type { ReadLog } from './access/read-log';
import type { CursorSeal } from './shared/cursor-seal';
import type { AuthProblem } from './shared/errors';
import type { Loaders } from './data/loaders';
import type { RowAhead } from './data/row-update';
import type { AuditAppender } from './data/audit-event';

export interface Context {
  requestId: string;
  log: Logger;
  /** The caller's network address: the socket's, or from X-Forwarded-For behind TRUST_PROXY proxies. */
  clientAddress: string;

  // ── Who asks, and the transaction the request runs in ──
  /** Nobody until `begin()` or `identify()` has had the database check the token's session. */
  viewer: Viewer | null;
  /** Set by `begin()`; until then nothing is readable. */
  scope: Scope;
  /** One forked EntityManager per request, in one transaction. */
  em: EntityManager;
  loaders: Loaders;
  /** A query: it writes nothing, so rows are read plain, not as tracked entities (see data/plain-rows.ts). */
  readOnly: boolean;
  /** The request's personal-data read log (a ministry caller's only). */
  personalLog: ReadLog | null;
  /** The session the token carries, or the one `login` opened: a write pins it to the primary (db/replicas.ts). */
  sessionId: string | null;
  /** Why nobody is identified, when nobody is: no token, a bad or expired one, or a session that ended. */
  authProblem(): AuthProblem;
  /** The session the request's token carries (its id and secret), if it had a valid one: what `logout` ends. */
  currentSession(): Pick<SessionClaims, 'sessionId' | 'secret'> | null;
  /**
   * Opens the request's transaction and sets its scope, in the ORM and (via
   * `sinergi_begin_request`) in PostgreSQL's row-level security alike.
   */
  begin(budgetMs?: number, readOnly?: boolean, rowAhead?: RowAhead | null, onReplica?: boolean): Promise<void>;
  /**
   * Makes this transaction act for the account behind `session` (or for
   * nobody): the database checks the session, derives the identity and the
   * clauses in force, and seals the scope its policies read. Used by `begin`
   * and by `login` for the rest of its response.
   */
  identify(session: Pick<SessionClaims, 'sessionId' | 'secret'> | null, budgetMs?: number): Promise<void>;
  /**
   * The row `begin` read ahead for an update mutation (see data/row-update.ts), once: a row, null when
   * the read found none, undefined when it was not read ahead (then read it yourself).
   */
  takeRowAhead(entity: string, id: string): Record<string, unknown> | null | undefined;
  /**
   * Runs one statement on a connection of its own, committed at once whatever becomes of the request's
   * transaction: for what must hold even when the request fails (ending a session whose refresh token was
   * replayed).
   */
  independently(sql: string, params: unknown[]): Promise<void>;
  /** Commits (or rolls back) the request's transaction; safe to call when none is open. */
  end(commit: boolean, opts?: { readOnly?: boolean }): Promise<void>;

  // ── What the request's parts tell each other ──
  /** What the request's mutation adds to its audit event, and whether one of its root mutations failed. */
  mutation: MutationRecord;
  /** The turns the operation holds and waits for (server/lanes.ts). */
  lane: LaneState;
  /** What the access log says of the operation, filled in as the answer is sent (server/access-log.ts). */
  access: AccessFacts;
  /** Progress of long mutations (the import CLI draws a bar from it). */
  progress?: (done: number, total: number) => void;
  /** Test hook, run right after `begin()`. */
  afterBegin?: (ctx: Context) => Promise<void> | void;

  /** The process's services, the same for every request. */
  services: Services;
}

/** One change of the `changes` subscription (modules/change, server/change-stream.ts). */
export interface ChangeEvent {
  /** Sealed: its place in the audit log's order. */
  cursor: string;
  operation: 'CREATED' | 'UPDATED' | 'DELETED';
  /** The node type of the record, e.g. `Trainee`. */
  type: string;
  recordId: string;
  occurredAt: Date;
}

/**
 * What a `changes` stream yields: either the changes one transaction of the subscriber's own read — each is
 * executed with `context`, in that transaction, then `finish` commits it (with its read-log entries), before
 * anything is sent, so a slow consumer never holds a transaction open — or the results already executed for
 * it in a transaction it shared with subscribers of the same scope (server/change-stream.ts).
 */
export type ChangeBatch = { events: readonly ChangeEvent[]; context: Context; finish(): Promise<void> } | { results: readonly unknown[] };

/** The services the process shares between requests, handed to each request's context. */
export interface Services {
  tokens: TokenService;
  /** Seals and opens list cursors (they may hold personal sort keys). */
  cursors: CursorSeal;
  /** Failed-login limits (access/login-throttle.ts). */
  loginThrottle: LoginThrottle;
  /** Signs audit events (modules/audit/audit.chain.ts). */
  auditKey: string;
  /** Appends the audit event of a mutation (`appendEvent`, modules/audit/audit.writer.ts). */
  appendAudit: AuditAppender;
  /** The audit log's signed checkpoints and their cosignatures (modules/audit/log/audit-log.ts). */
  auditLog: AuditLogService;
  /** Says a session has ended (logout), so that its token loses a signed-in caller's limits at once. */
  sessionEnded(sessionId: string): void;
  /** Whether a new client app runs its trusted documents only, unless its ADMIN says otherwise (TRUSTED_DOCUMENTS). */
  appsRequireTrustedDocuments: boolean;
  /** The validation rules every request document runs (shared/query-limits.ts, requestRules). */
  requestRules: readonly ValidationRule[];
  /**
   * Says an app's trusted documents or their requirement changed, so this process asks the database again;
   * `registered`, texts just validated with `requestRules`, are prepared to run (server/prepared-documents.ts).
   */
  trustedDocumentsChanged(accountId: string, registered?: readonly string[]): void;
  /** The operator's bounds of client apps' quotas (APP_QUOTA_*). */
  appQuotas: AppQuotaBounds;
  /** Says an app's quota changed, so this process reads it again. */
  appQuotaChanged(accountId: string): void;
  /**
   * The changes `ctx`'s caller may read, from `after` (a change's cursor) or from now: the `changes`
   * subscription's source (server/change-stream.ts). Refuses a connection that is not one.
   */
  changes(ctx: Context, args: { after?: string | null; types?: string[] | null }): AsyncIterable<ChangeBatch>;
}

/** A checkpoint of the audit log as published: the signed note with the witnesses' cosignatures that verify. */
export interface PublishedCheckpoint {
  size: number;
  root: Buffer;
  note: string;
  cosigners: string[];
}

/** The audit log as requests see it: its key's name and its published checkpoints. */
export interface AuditLogService {
  readonly origin: string;
  readonly verifierKey: string;
  /** The newest checkpoint cosigned by at least `quorum` live witnesses (0: the newest), or null. */
  published(quorum?: number): Promise<PublishedCheckpoint | null>;
}

/** What a mutation records beyond its row changes (modules/audit/mutation-boundary.ts reads it). */
export interface MutationRecord {
  /** Replaces the recorded row changes in the audit event (bulk imports record a summary). */
  summary?: unknown[];
  /** Something the audit event must say beyond its row changes (e.g. a first ADMIN bootstrapped). */
  note?: Record<string, unknown>;
  /** A root mutation of this request failed: the later ones do not run (graphql/schema.ts `mutationsTogether`). */
  failed: boolean;
}

/** The operation's place in the process's lanes of work (server/lanes.ts, server/heavy-gate.ts). */
export interface LaneState {
  /** Whose heavy work this is: the token's account, or the client address for nobody. */
  accountKey: string;
  /**
   * Whether the caller gets a signed-in caller's limits: a token whose session is live (the HTTP layer asks the
   * database before reading the body); in-process callers, its token's signature.
   */
  liveCaller: boolean;
  /** The turns of the heavy, bulk or login lanes the operation holds, released once its answer is sent. */
  turns: { release(): void }[];
  /** How long the answer waits once the work is done (failed logins under a storm); the wait holds no turn. */
  answerDelayMs?: number;
  /** The operation runs inside a download or upload that already holds a heavy turn. */
  heavyHeld: boolean;
  /** A client app's account: its operations' cost is spent from its quota (server/app-quotas.ts). */
  appAccount?: string;
  /** Where the app stands in its quota, for the answer's RateLimit header fields. */
  quota?: QuotaState;
  /** The request's `Idempotency-Key` (server/idempotency.ts); its mutations' answer is kept with it. */
  idempotencyKey?: string;
  /** What the key's lookup found, once the operation's transaction has begun. */
  idempotency?: { key: string; hash: string } | { replay: { status: number; result: Record<string, unknown> } };
  /** Waits for `wait` outside the operation gate's turn (operation-gate.ts `outside`); a plain wait outside the gate. */
  yieldTurn<T>(wait: () => Promise<T>): Promise<T>;
}

export interface AccessFacts {
  operationName: string | null;
  operationType: string | null;
  accountId: string | null;
  ministryId: string | null;
  errorCodes: string[];
  /** Which database answered: `primary`, or `replica-N`. */
  database: string | null;
}
