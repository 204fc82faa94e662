/**
 * Builds each request's context (context.ts): its own EntityManager, a scope of nobody until the database
 * has checked the token's session, and the transaction `begin` opens — with the scope set by
 * `sinergi_begin_request` in the same round trip, on a replica when the operation may read from one.
 */
import { DEFAULT_APP_QUOTAS, type AppQuotaBounds } from '../config';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { Scope, type Grant } from '../access/scope';
import type { Role } from '../access/roles';
import type { SessionClaims, TokenService } from '../access/tokens';
import type { SessionLiveness } from '../access/session-liveness';
import type { LoginThrottle } from '../access/login-throttle';
import type { ReadRow } from '../access/read-log';
import { heavyKeyOf } from './heavy-gate';
import type { CursorSeal } from '../shared/cursor-seal';
import { present } from '../shared/present';
import { requestRules } from '../shared/query-limits';
import type { ValidationRule } from 'graphql';
import { AppError, ErrorCode, isDatabaseUnavailable, type AuthProblem } from '../shared/errors';
import type { AuditAppender } from '../data/audit-event';
import { Loaders } from '../data/loaders';
import { rowReadStatement, type RowAhead } from '../data/row-update';
import { beginWith, commitWithoutFlush, sqlLiteral } from '../db/begin';
import type { ReplicaRouter } from '../db/replicas';
import { createReadRows, PersonalDataLog } from '../modules/personal-data/personal-data.log';
import type { AuditLogService, Context, Services } from '../context';

export interface ContextDeps {
  orm: MikroORM;
  tokens: TokenService;
  cursors: CursorSeal;
  loginThrottle: LoginThrottle;
  log: Logger;
  auditKey: string;
  appendAudit: AuditAppender;
  auditLog: AuditLogService;
  replicas?: ReplicaRouter;
  liveness?: SessionLiveness;
  /** Whether a new client app runs trusted documents only unless its ADMIN says otherwise (TRUSTED_DOCUMENTS). */
  appsRequireTrustedDocuments?: boolean;
  /** Forgets what this process knows of an app's trusted documents (trusted-documents.ts). */
  trustedDocumentsChanged?: (accountId: string, registered?: readonly string[]) => void;
  /** The validation rules of every request (shared/query-limits.ts); without them, graphql-js's and the limits'. */
  requestRules?: readonly ValidationRule[];
  appQuotas?: AppQuotaBounds;
  appQuotaChanged?: (accountId: string) => void;
  /** The source of the `changes` subscription (change-stream.ts); without it, subscriptions are refused. */
  changes?: Services['changes'];
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

/** Subscriptions where no stream is served: refused as a request that cannot be answered here. */
const noChanges: Services['changes'] = () => {
  throw new AppError(ErrorCode.BAD_REQUEST, 'Subscriptions are served over WebSocket (graphql-ws) at /graphql and Server-Sent Events at /graphql/stream.');
};

/** The request rules of a context built without them (tests and CLIs that make their own). */
let fallbackRules: readonly ValidationRule[] | undefined;

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
    clientAddress,
    services: {
      tokens: deps.tokens,
      cursors: deps.cursors,
      loginThrottle: deps.loginThrottle,
      auditKey: deps.auditKey,
      appendAudit: deps.appendAudit,
      auditLog: deps.auditLog,
      sessionEnded: (sessionId) => deps.liveness?.ended(sessionId),
      appsRequireTrustedDocuments: deps.appsRequireTrustedDocuments ?? false,
      requestRules: deps.requestRules ?? (fallbackRules ??= requestRules(false)),
      trustedDocumentsChanged: (accountId, registered) => deps.trustedDocumentsChanged?.(accountId, registered),
      appQuotas: deps.appQuotas ?? DEFAULT_APP_QUOTAS,
      appQuotaChanged: (accountId) => deps.appQuotaChanged?.(accountId),
      changes: deps.changes ?? noChanges,
    },
    mutation: { failed: false },
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
    lane: { accountKey: heavyKeyOf(session, clientAddress), liveCaller: !!session, turns: [], heavyHeld: false, yieldTurn: (wait) => wait() },
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
