/**
 * Around every root mutation: when it succeeds, exactly one audit event
 * describing it, appended in the request's transaction (written by its
 * COMMIT, see audit.chain.ts). A mutation that
 * fails half-way makes its whole operation roll back (app.ts), so it changes
 * nothing and leaves no event; an event never exists without its change.
 */
import type { IMiddlewareFunction } from 'graphql-middleware';
import type { Context } from '../../context';
import type { SubjectOf } from '../../resource/resource';
import type { EventContent } from '../../data/audit-event';
import { takeChanges, type RecordedChange } from './audit.collector';

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
    // No savepoint of its own: an operation in which a mutation fails commits nothing (app.ts), so a
    // half-done mutation's writes go with it — two round trips fewer for every mutation.
    takeChanges(ctx.em);
    try {
      const result = await resolve(root, args, ctx, info);
      const recorded = takeChanges(ctx.em);
      const changes = [...(ctx.mutation.summary ?? recorded), ...(ctx.mutation.note ? [{ note: ctx.mutation.note }] : [])];
      ctx.mutation.summary = undefined;
      ctx.mutation.note = undefined;
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
      await ctx.services.appendAudit(ctx.em, ctx.services.auditKey, content);
      return result;
    } catch (err) {
      // Entities the failed mutation touched no longer match the database, which rolls back with the operation.
      ctx.em.clear();
      takeChanges(ctx.em);
      ctx.mutation.summary = undefined;
      ctx.mutation.note = undefined;
      throw err;
    }
  };
