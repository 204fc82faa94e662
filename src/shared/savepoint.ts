/**
 * Each root mutation runs inside a savepoint of the request's transaction, so
 * a mutation that fails half-way (a constraint, a check after a first flush)
 * changes nothing, and the operations before and after it are unaffected.
 */
import type { IMiddlewareFunction } from 'graphql-middleware';
import type { Context } from '../context';

let counter = 0;

export const savepointPerMutation: IMiddlewareFunction<unknown, Context> = async (resolve, root, args, ctx, info) => {
  if (!ctx.em.isInTransaction()) return resolve(root, args, ctx, info);
  const name = `m${++counter}`;
  await ctx.em.execute(`savepoint ${name}`);
  try {
    const result = await resolve(root, args, ctx, info);
    await ctx.em.execute(`release savepoint ${name}`);
    return result;
  } catch (err) {
    await ctx.em.execute(`rollback to savepoint ${name}`);
    // Entities the failed mutation touched no longer match the database.
    ctx.em.clear();
    throw err;
  }
};
