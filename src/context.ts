import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { Logger } from 'pino';
import { buildScope, type Scope } from './access/scope';
import type { Viewer } from './access/roles';
import type { TokenService } from './access/tokens';
import { Loaders } from './shared/loaders';

/** What every resolver gets: one forked EntityManager, the verified viewer and its data scope. */
export interface Context {
  em: EntityManager;
  viewer: Viewer | null;
  scope: Scope;
  loaders: Loaders;
  requestId: string;
  log: Logger;
  tokens: TokenService;
}

export interface ContextDeps {
  orm: MikroORM;
  tokens: TokenService;
  log: Logger;
}

/** Reads `Authorization: Bearer …`; a bad or expired token makes the request anonymous. */
export async function viewerFromHeader(tokens: TokenService, header: string | undefined | null): Promise<Viewer | null> {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  return match ? tokens.verify(match[1]) : null;
}

export async function createContext(deps: ContextDeps, viewer: Viewer | null, requestId: string): Promise<Context> {
  // A fresh identity map per request: never share entities (or their scope) across callers.
  const em = deps.orm.em.fork({ clear: true }) as EntityManager;
  const scope = await buildScope(viewer, em);
  em.setFilterParams('scope', { scope });
  return { em, viewer, scope, loaders: new Loaders(em, scope), requestId, log: deps.log.child({ requestId }), tokens: deps.tokens };
}
