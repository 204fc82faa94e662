/**
 * Typed guards for resolvers: what the shield rules already admitted, stated
 * again in the type system, failing closed if a rule ever admits more. Use
 * them instead of non-null assertions on the context.
 */
import type { Context } from '../context';
import { forbidden, unauthenticated } from '../shared/errors';
import type { Viewer } from '../access/roles';

/** The caller's own ministry: operations of ministry staff only. */
export function requireOwnMinistry(ctx: Pick<Context, 'scope'>): string {
  const own = ctx.scope.ownMinistry;
  if (!own) throw forbidden('Only ministry staff may do this.', 'guard:ministry-staff');
  return own;
}

/** The identified caller: operations behind any rule other than `anyone`. */
export function requireViewer(ctx: Pick<Context, 'viewer' | 'authProblem'>): Viewer {
  if (!ctx.viewer) throw unauthenticated(ctx.authProblem());
  return ctx.viewer;
}
