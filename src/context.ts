import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { RESOURCE_OF, Scope, type Grant } from './access/scope';
import type { Viewer } from './access/roles';
import type { TokenService } from './access/tokens';
import { todayInJakarta } from './modules/mou/mou.entity';
import { PersonalDataLog } from './modules/personal-data/personal-data.log';
import type { ResourceType } from './shared/enums';
import { Loaders } from './shared/loaders';

/** What every resolver gets: one forked EntityManager in one transaction, the verified viewer and its data scope. */
export interface Context {
  em: EntityManager;
  viewer: Viewer | null;
  /** Set by `begin()`; until then nothing is readable. */
  scope: Scope;
  loaders: Loaders;
  personalLog: PersonalDataLog | null;
  requestId: string;
  log: Logger;
  tokens: TokenService;
  /** Signs audit events (see audit.chain.ts). */
  auditKey: string;
  /**
   * Opens the request's transaction and sets its scope, in the ORM and (via
   * `sinergi_begin_request`) in PostgreSQL's row-level security alike.
   */
  begin(): Promise<void>;
  /** Commits (or rolls back) the request's transaction; safe to call when none is open. */
  end(commit: boolean): Promise<void>;
  /** Replaces the recorded row changes in this mutation's audit event (bulk imports record a summary). */
  auditSummary?: unknown[];
  /** Progress of long mutations (the import CLI draws a bar from it). */
  progress?: (done: number, total: number) => void;
  /** Test hook, run right after `begin()`. */
  afterBegin?: (ctx: Context) => Promise<void> | void;
}

export interface ContextDeps {
  orm: MikroORM;
  tokens: TokenService;
  log: Logger;
  auditKey: string;
}

/** Reads `Authorization: Bearer …`; a bad or expired token makes the request anonymous. */
export async function viewerFromHeader(tokens: TokenService, header: string | undefined | null): Promise<Viewer | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? tokens.verify(match[1]) : null;
}

export function createContext(deps: ContextDeps, viewer: Viewer | null, requestId: string): Context {
  // A fresh identity map per request: never share entities (or their scope) across callers.
  const em = deps.orm.em.fork({ clear: true }) as EntityManager;
  em.setFilterParams('scope', { scope: Scope.none() });
  return {
    em,
    viewer,
    scope: Scope.none(),
    loaders: new Loaders(em, Scope.none()),
    personalLog: null,
    requestId,
    log: deps.log.child({ requestId }),
    tokens: deps.tokens,
    auditKey: deps.auditKey,
    // `this`, not a captured variable: Apollo hands plugins and resolvers a shallow copy of the context.
    async begin(this: Context) {
      if (em.isInTransaction()) return;
      await em.begin();
      const [{ scope }] = await em.execute<{ scope: { accountOk: boolean; grants: { clauseId: string; mouId: string; providerMinistryId: string; resourceTypes: ResourceType[]; includesPersonalData: boolean }[] } }[]>(
        'select sinergi_begin_request(?, ?, ?, ?) as scope',
        [viewer?.accountId ?? null, viewer?.ministryId ?? null, viewer?.role ?? null, todayInJakarta()],
      );
      // A token of an account since deactivated, or whose role or ministry changed, no longer identifies anyone.
      if (!scope.accountOk) this.viewer = null;
      const grants: Grant[] = scope.grants.map((g) => ({ ...g, resources: g.resourceTypes.map((t) => RESOURCE_OF[t]) }));
      this.scope = Scope.forViewer(this.viewer, grants);
      em.setFilterParams('scope', { scope: this.scope });
      this.loaders = new Loaders(em, this.scope);
      this.personalLog = this.viewer?.ministryId ? new PersonalDataLog(em, this.viewer) : null;
      await this.afterBegin?.(this);
    },
    async end(commit) {
      if (!em.isInTransaction()) return;
      if (commit) await em.commit();
      else await em.rollback();
    },
  };
}
