import { Cursor, type FilterQuery, type QueryOrderMap } from '@mikro-orm/core';
import type { ClassType } from 'type-graphql';
import type { Context } from '../context';
import { badUserInput } from '../shared/errors';
import type { GraphQLResolveInfo } from 'graphql';
import { readRows } from '../data/plain-rows';
import { rowAhead } from '../data/row-ahead';
import { projection } from '../data/projection';
import { selects } from '../shared/lookahead';
import { connectionOf, DEFAULT_PAGE, pageSize, type PageArgs } from '../shared/pagination';

/**
 * A root list as a connection: keyset pagination by MikroORM's `findByCursor`
 * (the ordering must end in a unique key). For scoped entities the ORM's
 * `scope` filter limits the rows, and the lazy `totalCount` to the same scope.
 */
export async function listConnection<T extends object>(
  ctx: Context,
  entity: ClassType<T>,
  where: FilterQuery<T>,
  orderBy: QueryOrderMap<T>,
  args: PageArgs,
  /** The list field's resolve info: what it selects below is read with the page (see row-ahead.ts). */
  info?: GraphQLResolveInfo,
) {
  pageSize(args);
  const opened: { after?: string; before?: string } = {};
  for (const field of ['after', 'before'] as const) {
    const value = args[field];
    if (value == null) continue;
    const plain = ctx.services.cursors.open(value);
    try {
      if (plain === null) throw new Error('not ours');
      Cursor.decode(plain);
    } catch {
      throw badUserInput('Not a cursor of this list.', field);
    }
    opened[field] = plain;
  }
  const first = args.last == null ? (args.first ?? DEFAULT_PAGE) : undefined;
  const options = { first, last: args.last ?? undefined, after: opened.after, before: opened.before, orderBy, overfetch: true, includeCount: false };
  const foreignCursor = (e: Error) => {
    if (/cursor/i.test(e.message)) throw badUserInput('This cursor does not belong to this list and ordering.', args.after ? 'after' : 'before');
    throw e;
  };
  // A query reads plain rows (see plain-rows.ts), with the total, and the children's pages and counts it
  // asks for (row-ahead.ts); the cursor is computed from the row's keys either way.
  const total = !!info && selects(info, ['totalCount']);
  const ahead = info && ctx.readOnly ? rowAhead(ctx, info, entity.name, ['edges', 'node']) : null;
  const fields = info ? projection(info, ['edges', 'node'], ctx.em.getMetadata().get(entity.name), Object.keys(orderBy)) : null;
  const plain = ctx.readOnly ? await readRows(ctx.em, entity.name, where, options, { total, columns: ahead?.columns, fields }).catch(foreignCursor) : null;
  if (plain && ahead) plain.raw.forEach((row, i) => ahead.take(plain.extras[i], row.id as string));
  const cursor = plain
    ? new Cursor(plain.raw as never[], undefined as never, options, ctx.em.getMetadata().get(entity.name))
    : await ctx.em.findByCursor(entity, where, options).catch(foreignCursor);
  const nodes: T[] = plain ? cursor.items.map((d) => plain.make(d as Record<string, unknown>)) : (cursor.items as T[]);
  const page = new PageCursors(ctx, cursor);
  return connectionOf(entity).make(
    nodes.map((node, i) => new ListEdge(node, i, page)),
    new ListPageInfo(cursor, ctx),
    // Counted with the page when asked for; an empty first page has nothing to count; a page past the end counts alone.
    async () => plain?.total ?? (plain && total && !opened.after && !opened.before ? 0 : ctx.em.count(entity, where)),
  );
}

/**
 * A root list's page info. Its cursors are getters, as each seal is an encryption and most requests ask
 * for neither; getters on the prototype, not in an object literal, whose accessors V8 would place in the
 * old generation with every request, and with them, until a full collection, the page they reach (see
 * graphql/gateway-request-context.ts).
 */
class ListPageInfo {
  readonly hasNextPage: boolean;
  readonly hasPreviousPage: boolean;
  constructor(
    private readonly cursor: Pick<Cursor<object, never, '*', never, boolean>, 'startCursor' | 'endCursor' | 'hasNextPage' | 'hasPrevPage'>,
    private readonly ctx: Context,
  ) {
    this.hasNextPage = !!cursor.hasNextPage;
    this.hasPreviousPage = !!cursor.hasPrevPage;
  }
  get startCursor(): string | null {
    return this.seal(this.cursor.startCursor);
  }
  get endCursor(): string | null {
    return this.seal(this.cursor.endCursor);
  }
  private seal(c: string | null): string | null {
    return c === null ? null : this.ctx.services.cursors.seal(c);
  }
}

/** What the edges of one page share to make their cursors. */
class PageCursors {
  constructor(
    readonly ctx: Context,
    readonly cursor: Pick<Cursor<object, never, '*', never, boolean>, 'from' | 'items'>,
  ) {}
}

/**
 * An edge of a root list. Its cursor is sealed (a keyset cursor holds the row's sort key, which may be
 * personal, see cursor-seal.ts) only when asked for: a getter on the prototype, so a page of a thousand
 * rows whose cursors nobody selects costs neither an encryption nor an accessor per edge.
 */
class ListEdge<T> {
  constructor(
    readonly node: T,
    private readonly index: number,
    private readonly page: PageCursors,
  ) {}
  get cursor(): string {
    const { ctx, cursor } = this.page;
    return ctx.services.cursors.seal(cursor.from(cursor.items[this.index]));
  }
}
