/**
 * Around every root mutation: a savepoint of the request's transaction, and,
 * when the mutation succeeds, exactly one audit event describing it, appended
 * in that same savepoint. A mutation that fails half-way changes nothing and
 * leaves no event; an event never exists without its change.
 */
import type { IMiddlewareFunction } from 'graphql-middleware';
import type { Context } from '../../context';
import { parseGlobalId } from '../../shared/global-id';
import type { EventContent } from './audit.chain';
import { takeChanges, type RecordedChange } from './audit.collector';

let counter = 0;

interface Subject { entityType: string; entityId: string | null; subjectMinistryId: string | null }

/** Which record a mutation was about, and whose data it is (its ministry's ADMIN may read the event). */
function subjectOf(result: unknown, changes: RecordedChange[]): Subject {
  const r = result as Record<string, any> | null;
  if (r && typeof r.deletedId === 'string') {
    const parsed = parseGlobalId(r.deletedId);
    const owner = changes.find((c) => c.op === 'delete')?.fields.ownerMinistry?.before;
    return { entityType: parsed?.type ?? 'unknown', entityId: parsed?.id ?? null, subjectMinistryId: typeof owner === 'string' ? owner : null };
  }
  const entity = r && r.token && r.account ? r.account : r;
  if (entity && typeof entity === 'object') {
    const type = entity.constructor?.name as string;
    const id = (entity.id ?? entity.code ?? null) as string | null;
    const subject = entity.ownerMinistry?.id ?? (type === 'Account' ? entity.ministry?.id : type === 'Ministry' ? entity.id : null) ?? null;
    return { entityType: type, entityId: id, subjectMinistryId: subject };
  }
  const first = changes[0];
  return { entityType: first?.entity ?? 'unknown', entityId: first?.id ?? null, subjectMinistryId: null };
}

export const mutationBoundary: IMiddlewareFunction<unknown, Context> = async (resolve, root, args, ctx, info) => {
  // Every operation runs in a transaction (see app.ts); without one, nothing would be atomic or audited.
  if (!ctx.em.isInTransaction()) throw new Error('mutation outside the request transaction');
  const name = `m${++counter}`;
  await ctx.em.execute(`savepoint ${name}`);
  takeChanges(ctx.em);
  try {
    const result = await resolve(root, args, ctx, info);
    const recorded = takeChanges(ctx.em);
    const changes = [...(ctx.auditSummary ?? recorded), ...(ctx.auditNote ? [{ note: ctx.auditNote }] : [])];
    ctx.auditSummary = undefined;
    ctx.auditNote = undefined;
    const content: EventContent = {
      occurredAt: new Date().toISOString(),
      requestId: ctx.requestId,
      actorAccountId: ctx.viewer?.accountId ?? null,
      actorMinistryId: ctx.viewer?.ministryId ?? null,
      actorRole: ctx.viewer?.role ?? null,
      operation: info.fieldName,
      ...subjectOf(result, recorded),
      changes,
    };
    await ctx.appendAudit(ctx.em, ctx.auditKey, content);
    await ctx.em.execute(`release savepoint ${name}`);
    return result;
  } catch (err) {
    await ctx.em.execute(`rollback to savepoint ${name}`);
    // Entities the failed mutation touched no longer match the database.
    ctx.em.clear();
    takeChanges(ctx.em);
    ctx.auditSummary = undefined;
    ctx.auditNote = undefined;
    throw err;
  }
};
