/**
 * Around every root mutation: a savepoint of the request's transaction, and,
 * when the mutation succeeds, exactly one audit event describing it, appended
 * in that same savepoint. A mutation that fails half-way changes nothing and
 * leaves no event; an event never exists without its change.
 */
import type { IMiddlewareFunction } from 'graphql-middleware';
import type { Context } from '../../context';
import type { SubjectOf } from '../../kernel/resource';
import type { EventContent } from './audit.chain';
import { takeChanges, type RecordedChange } from './audit.collector';

let counter = 0;

/** The owner ministry a row deleted by this mutation had (a delete's change records it). */
function deletedOwner(changes: RecordedChange[]): string | null {
  const owner = changes.find((c) => c.op === 'delete')?.fields.ownerMinistry?.before;
  return typeof owner === 'string' ? owner : null;
}

/** The boundary for every mutation, with the audit subject each one declares (see the resource declarations). */
export const mutationBoundary =
  (subjects: Readonly<Record<string, SubjectOf>>): IMiddlewareFunction<unknown, Context> =>
  async (resolve, root, args, ctx, info) => {
    const subjectOf = subjects[info.fieldName];
    // Fail closed: a mutation whose declaration names no audit subject is a programming error (a test walks them all).
    if (!subjectOf) throw new Error(`mutation ${info.fieldName} declares no audit subject`);
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
        ...subjectOf(result, { args: args as Record<string, unknown>, deletedOwner: deletedOwner(recorded), actorMinistryId: ctx.viewer?.ministryId ?? null }),
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
