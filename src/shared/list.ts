import { Cursor, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import type { ClassType } from 'type-graphql';
import type { Context } from '../context';
import { badUserInput } from './errors';
import { connectionOf, DEFAULT_PAGE, pageSize, type PageArgs } from './pagination';

/**
 * A root list as a connection: keyset pagination by MikroORM's `findByCursor`
 * (the ordering must end in a unique key). For scoped entities the ORM's
 * `scope` filter limits the rows, and the lazy `totalCount` to the same scope.
 */
export async function listConnection<T extends object>(ctx: Context, entity: ClassType<T>, where: FilterQuery<T>, orderBy: QueryOrderMap<T>, args: PageArgs) {
  pageSize(args);
  for (const field of ['after', 'before'] as const) {
    const value = args[field];
    if (value == null) continue;
    try {
      Cursor.decode(value);
    } catch {
      throw badUserInput('Not a cursor of this list.', field);
    }
  }
  const first = args.last == null ? (args.first ?? DEFAULT_PAGE) : undefined;
  const cursor = await ctx.em
    .findByCursor(entity, where, { first, last: args.last ?? undefined, after: args.after, before: args.before, orderBy, includeCount: false })
    .catch((e: Error) => {
      if (/cursor/i.test(e.message)) throw badUserInput('This cursor does not belong to this list and ordering.', args.after ? 'after' : 'before');
      throw e;
    });
  return connectionOf(entity).make(
    cursor.items.map((node) => ({ node, cursor: cursor.from(node) })),
    { hasNextPage: !!cursor.hasNextPage, hasPreviousPage: !!cursor.hasPrevPage, startCursor: cursor.startCursor, endCursor: cursor.endCursor },
    () => ctx.em.count(entity, where),
  );
}
