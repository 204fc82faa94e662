import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Scope, type Grant } from './access/scope';
import type { Role, Viewer } from './access/roles';
import type { SessionClaims, TokenService } from './access/tokens';
import type { SessionLiveness } from './access/session-liveness';
import { heavyKeyOf, type HeavyTurn } from './shared/heavy-gate';
import type { AuditAppender } from './modules/audit/audit.chain';
import { createReadRows, PersonalDataLog, type ReadRow } from './modules/personal-data/personal-data.log';
import type { LoginThrottle } from './modules/account/login-throttle';
import type { CursorSeal } from './shared/cursor-seal';
import { Loaders } from './kernel/loaders';
import { present } from './shared/present';
import { beginWith, commitWithoutFlush, sqlLiteral } from './db/begin';
import { rowReadStatement, type RowAhead } from './kernel/row-update';
import type { ReplicaRouter } from './db/replicas';
import { isDatabaseUnavailable, type AuthProblem } from './shared/errors';

/** What every resolver gets: one forked EntityManager in one transaction, the verified viewer and its data scope. */
export interface Context {
  em: EntityManager;
  viewer: Viewer | null;
  /** Set by `begin()`; until then nothing is readable. */
  scope: Scope;
  loaders: Loaders;
  /** A query: it writes nothing, so rows are read plain, not as tracked entities (see kernel/plain-rows.ts). */
  readOnly: boolean;
  personalLog: PersonalDataLog | null;
  /** The session the token carries, or the one `login` opened: a write pins it to the primary (db/replicas.ts). */
  sessionId: string | null;
  /** Why nobody is identified, when nobody is: no token, a bad or expired one, or a session that ended. */
  authProblem(): AuthProblem;
  /** The session the request's token carries (its id and secret), if it had a valid one: what `logout` ends. */
  currentSession(): Pick<SessionClaims, 'sessionId' | 'secret'> | null;
  requestId: string;
  log: Logger;
  tokens: TokenService;
  /** Seals and opens list cursors (they may hold personal sort keys). */
  cursors: CursorSeal;
  /** Failed-login limits (see login-throttle.ts). */
  loginThrottle: LoginThrottle;
  /** The caller's network address: the socket's, or from X-Forwarded-For behind TRUST_PROXY proxies. */
  clientAddress: string;
  /** Signs audit events (see audit.chain.ts). */
  auditKey: string;
  /** Appends the audit event of a mutation (the hash chain's `appendEvent`). */
  appendAudit: AuditAppender;
  /**
   * Opens the request's transaction and sets its scope, in the ORM and (via
   * `sinergi_begin_request`) in PostgreSQL's row-level security alike.
   */
  begin(budgetMs?: number, readOnly?: boolean, rowAhead?: RowAhead | null, onReplica?: boolean): Promise<void>;
  /**
   * The row `begin` read ahead for an update mutation (see kernel/row-update.ts), once: a row, null when
   * the read found none, undefined when it was not read ahead (then read it yourself).
   */
  takeRowAhead(entity: string, id: string): Record<string, unknown> | null | undefined;
  /**
   * Makes this transaction act for the account behind `session` (or for
   * nobody): the database checks the session, derives the identity and the
   * clauses in force, and seals the scope its policies read. Used by `begin`
   * and by `login` for the rest of its response.
   */
  identify(session: Pick<SessionClaims, 'sessionId' | 'secret'> | null, budgetMs?: number): Promise<void>;
  /**
   * Runs one statement on a connection of its own, committed at once whatever becomes of the request's
   * transaction: for what must hold even when the request fails (ending a session whose refresh token was
   * replayed).
   */
  independently(sql: string, params: unknown[]): Promise<void>;
  /** Whose heavy work this is (heavy-gate.ts): the token's account, or the client address for nobody. */
  accountKey: string;
  /**
   * Whether the caller gets a signed-in caller's limits: a token whose session is live (the HTTP layer asks the
   * database before reading the body); in-process callers, its token's signature.
   */
  liveCaller: boolean;
  /** This operation's turns of the heavy, bulk or login lanes, released once its answer is sent. */
  turns: HeavyTurn[];
  /** How long the answer waits once the work is done (failed logins under a storm); the wait holds no turn. */
  answerDelayMs?: number;
  /** The operation runs inside a download or upload that already holds a heavy turn. */
  heavyHeld?: boolean;
  /** Waits for `wait` outside the operation gate's turn (operation-gate.ts `outside`); a plain wait outside the gate. */
  yieldTurn<T>(wait: () => Promise<T>): Promise<T>;
  /** Says a session has ended (logout), so that its token loses a signed-in caller's limits at once. */
  sessionEnded(sessionId: string): void;
  /** Commits (or rolls back) the request's transaction; safe to call when none is open. */
  end(commit: boolean, opts?: { readOnly?: boolean }): Promise<void>;
  /** Replaces the recorded row changes in this mutation's audit event (bulk imports record a summary). */
  auditSummary?: unknown[];
  /** Something the mutation's audit event must say beyond its row changes (e.g. a first ADMIN bootstrapped). */
  auditNote?: Record<string, unknown>;
  /** A root mutation of this request failed: the later ones do not run (see `mutationsTogether`). */
  mutationFailed?: boolean;
  /** Progress of long mutations (the import CLI draws a bar from it). */
  progress?: (done: number, total: number) => void;
  /**
   * What the access log says of the operation, filled in as the answer is sent (see access-log.ts). An
   * object of its own: Apollo hands plugins a shallow copy of the context, which shares it.
   */
  access: AccessFacts;
  /** Test hook, run right after `begin()`. */
  afterBegin?: (ctx: Context) => Promise<void> | void;
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

export interface ContextDeps {
  orm: MikroORM;
  tokens: TokenService;
  cursors: CursorSeal;
  loginThrottle: LoginThrottle;
  log: Logger;
  auditKey: string;
  appendAudit: AuditAppender;
  replicas?: ReplicaRouter;
  liveness?: SessionLiveness;
}

/** What `Authorization: Bearer …` carried: a session's claims, or why none (a bad or expired token makes the request anonymous). */
export interface Bearer {
  session: SessionClaims | null;
  problem: AuthProblem;
}

export async function bearerFrom(tokens: TokenService, header: string | undefined | null): Promise<Bearer> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) return { session: null, problem: header ? 'INVALID_TOKEN' : 'MISSING_TOKEN' };
  const checked = await tokens.check(match[1]);
  if (checked === 'expired') return { session: null, problem: 'TOKEN_EXPIRED' };
  if (checked === 'invalid') return { session: null, problem: 'INVALID_TOKEN' };
  return { session: checked, problem: 'SESSION_ENDED' };
}

interface BeginResult {
  accountOk: boolean;
  accountId: string | null;
  ministryId: string | null;
  role: Role | null;
  pending: boolean;
  /** Clauses in force with the caller as recipient, with the resources each covers (by name). */
  grants: Grant[];
  /** Per resource (by name): the ministries whose rows the caller reads. */
  read: Record<string, string[]>;
  /** Resources the caller's role reads in full (auditors: MoUs). */
  readsAll: string[];
}

export function createContext(deps: ContextDeps, bearer: Bearer, requestId: string, clientAddress = 'in-process'): Context {
  const { session } = bearer;
  // A fresh identity map per request: never share entities (or their scope) across callers.
  const em = deps.orm.em.fork({ clear: true }) as EntityManager;
  em.setFilterParams('scope', { scope: Scope.none() });
  let readAhead: (RowAhead & { row: Record<string, unknown> | null }) | undefined;
  /** The session the request acts as: the token's, or the one `identify` took on (login, refreshToken). */
  let acting: Pick<SessionClaims, 'sessionId' | 'secret'> | null = session;
  return {
    em,
    // Nobody until the database has checked the token's session (`identify`).
    viewer: null,
    scope: Scope.none(),
    loaders: new Loaders(em, Scope.none()),
    readOnly: false,
    personalLog: null,
    sessionId: session?.sessionId ?? null,
    // A token that checked out but identifies nobody: its session has ended.
    authProblem: () => bearer.problem,
    currentSession: () => (session ? { sessionId: session.sessionId, secret: session.secret } : null),
    requestId,
    log: deps.log.child({ requestId }),
    access: { operationName: null, operationType: null, accountId: null, ministryId: null, errorCodes: [], database: null },
    tokens: deps.tokens,
    cursors: deps.cursors,
    loginThrottle: deps.loginThrottle,
    clientAddress,
    auditKey: deps.auditKey,
    appendAudit: deps.appendAudit,
    // `this`, not a captured variable: Apollo hands plugins and resolvers a shallow copy of the context.
    async begin(this: Context, budgetMs?: number, readOnly = false, rowAhead = null, onReplica = false) {
      if (this.em.isInTransaction()) return;
      this.readOnly = readOnly;
      // BEGIN and the scope in one round trip (see db/begin.ts), and the row an update will change: read after
      // the scope is set, so under the request's row-level security.
      const meta = rowAhead ? em.getMetadata().find(rowAhead.entity) : undefined;
      const read = rowAhead && meta ? rowReadStatement(meta, sqlLiteral(rowAhead.id)) : null;
      const opened = onReplica && deps.replicas?.enabled ? await onReplicaOrPrimary(this, deps, session, budgetMs) : undefined;
      this.access.database = opened ? this.access.database : 'primary';
      const [[{ scope }], rows] = opened ?? (await beginWith<{ scope: BeginResult }>(this.em, scopeStatement(session, budgetMs), ...(read ? [read] : [])));
      if (rowAhead && read) readAhead = { ...rowAhead, row: rows?.[0] ?? null };
      adopt(this, scope);
      await this.afterBegin?.(this);
    },
    accountKey: heavyKeyOf(session, clientAddress),
    liveCaller: !!session,
    turns: [],
    yieldTurn: (wait) => wait(),
    sessionEnded(sessionId) {
      deps.liveness?.ended(sessionId);
    },
    async independently(sql, params) {
      await deps.orm.em.fork({ clear: true }).getConnection().execute(sql, params, 'run');
    },
    takeRowAhead(entity, id) {
      if (readAhead?.entity !== entity || readAhead.id !== id) return undefined;
      const { row } = readAhead;
      readAhead = undefined;
      return row;
    },
    async identify(this: Context, claims, budgetMs) {
      const [{ scope }] = await this.em.execute<{ scope: BeginResult }[]>(scopeStatement(claims, budgetMs));
      this.sessionId = claims?.sessionId ?? null;
      // Reads from here on are this session's: kept under it if the request does not commit (keepReads).
      acting = claims;
      adopt(this, scope);
    },
    async end(this: Context, commit, opts) {
      if (!this.em.isInTransaction()) return;
      const reads = this.personalLog?.written() ?? [];
      try {
        // A query has nothing left to flush (the read log flushes its own rows): forget what it loaded, or
        // the commit's flush would compare every one of possibly thousands of rows for changes.
        if (commit && opts?.readOnly) await commitWithoutFlush(this.em);
        else if (commit) {
          await this.em.commit();
          // It wrote: its next reads go to the primary until the replicas have caught up.
          if (this.sessionId) await deps.replicas?.pin(this.sessionId);
        } else await this.em.rollback();
        if (commit) return;
      } catch (err) {
        // The commit's own failure is the one to report; keepReads logs its own.
        await keepReads(deps, acting, reads, this.log).catch(() => undefined);
        throw err;
      }
      await keepReads(deps, acting, reads, this.log);
    },
  };
}

/**
 * Opens the request's transaction on the next replica, the context's EntityManager now that replica's; when
 * it cannot be reached, undefined, and the caller opens it on the primary as usual.
 */
async function onReplicaOrPrimary(
  ctx: Context,
  deps: ContextDeps,
  session: SessionClaims | null,
  budgetMs: number | undefined,
): Promise<[{ scope: BeginResult }[], Record<string, unknown>[] | undefined] | undefined> {
  const replica = present(deps.replicas, 'the replica router').pick();
  if (!replica) return undefined;
  const primary = ctx.em;
  const { orm, name } = replica;
  const em = orm.em.fork({ clear: true }) as EntityManager;
  em.setFilterParams('scope', { scope: Scope.none() });
  ctx.em = em;
  try {
    const [rows] = await beginWith<{ scope: BeginResult }>(em, scopeStatement(session, budgetMs));
    ctx.access.database = name;
    return [rows, undefined];
  } catch (err) {
    if (!isDatabaseUnavailable(err)) throw err;
    replica.fail();
    ctx.log.warn({ err: String(err), replica: name }, 'replica unavailable: served by the primary, and left alone for a while');
    ctx.em = primary;
    return undefined;
  }
}

/**
 * Writes again, in a transaction of their own, the read-log rows of a request
 * whose transaction did not commit: the values were read all the same (a
 * refused age check, a mutation rolled back with its request), and a read
 * that left no trace would make the outcome an oracle (issue 29).
 */
async function keepReads(
  deps: ContextDeps,
  session: Pick<SessionClaims, 'sessionId' | 'secret'> | null,
  reads: readonly ReadRow[],
  log: Logger,
): Promise<void> {
  if (reads.length === 0) return;
  const em = deps.orm.em.fork({ clear: true }) as EntityManager;
  em.setFilterParams('scope', { scope: Scope.none() });
  try {
    await beginWith(em, scopeStatement(session));
    createReadRows(em, reads);
    await em.commit();
  } catch (err) {
    await em.rollback().catch(() => undefined);
    log.error({ err: String(err), reads: reads.length }, 'personal-data reads of a request that did not commit could not be logged');
    throw err;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The statement that makes a transaction act for the account behind `claims`
 * (or for nobody): `sinergi_begin_request` checks the session, derives the
 * identity and the clauses in force, and seals the scope the policies read.
 * With a budget it also sets the transaction's time budget: no later
 * statement, and no idle pause between statements, may outlast it. Literal
 * SQL, as it travels with BEGIN in one message (which takes no parameters).
 */
function scopeStatement(claims: Pick<SessionClaims, 'sessionId' | 'secret'> | null, budgetMs?: number): string {
  // A signed token carries our own session id; anything else identifies nobody.
  const session = claims && UUID.test(claims.sessionId) ? claims : null;
  const budget = budgetMs
    ? `, set_config('statement_timeout', ${sqlLiteral(String(Math.floor(budgetMs)))}, true), set_config('idle_in_transaction_session_timeout', ${sqlLiteral(String(Math.floor(budgetMs)))}, true)`
    : '';
  return `select sinergi_begin_request(${sqlLiteral(session?.sessionId ?? null)}::uuid, ${sqlLiteral(session?.secret ?? null)}::text) as scope${budget}`;
}

/** Takes the scope `sinergi_begin_request` answered as this request's identity, in the ORM and its loaders alike. */
function adopt(ctx: Context, scope: BeginResult): void {
  // A session that expired, or of an account since deactivated, identifies nobody; role and
  // ministry are the account's as they are now, whatever the token says.
  ctx.viewer =
    scope.accountOk && scope.accountId && scope.role
      ? { accountId: scope.accountId, ministryId: scope.ministryId, role: scope.role, pending: scope.pending }
      : null;
  ctx.scope = Scope.fromDatabase(ctx.viewer, scope.read, scope.readsAll, scope.grants);
  ctx.em.setFilterParams('scope', { scope: ctx.scope });
  ctx.loaders = new Loaders(ctx.em, ctx.scope, ctx.readOnly);
  ctx.personalLog = ctx.scope.ownMinistry && ctx.viewer ? new PersonalDataLog(ctx.em, ctx.viewer) : null;
}
