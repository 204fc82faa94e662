import { ArgsType, Field, Int } from 'type-graphql';
import type { BaseEntity } from './base.entity';
import type { OwnedEntity } from './owned.entity';
import { badUserInput } from '../shared/errors';
import type { ChildPage, Loaders } from './loaders';
import { READ_ROWS_ONLY, type PageReads, type RelationSpec } from './reads';
import { DEFAULT_PAGE, MAX_PAGE, type ConnectionClass } from '../shared/pagination';

@ArgsType()
export class RelationArgs {
  /** Checked in `relationConnection` (once per parent row, class-validator would cost more than the page). */
  @Field(() => Int, { nullable: true, description: `Page size, 0 to ${MAX_PAGE} (default ${DEFAULT_PAGE}).` })
  first?: number;

  @Field(() => String, { nullable: true })
  after?: string;
}

const encode = (id: string) => Buffer.from(`after:${id}`).toString('base64url');
function decode(cursor: string): string {
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const id = text.startsWith('after:') ? text.slice(6) : '';
  if (!/^[0-9a-f-]{36}$/.test(id)) throw badUserInput('Not a cursor of this list.', 'after');
  return id;
}

/** The page a relation's arguments ask for; BAD_USER_INPUT for a size out of bounds or a cursor not of a relation. */
export function relationPage(args: RelationArgs): { first: number; after: string | null } {
  const first = args.first ?? DEFAULT_PAGE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE) throw badUserInput(`first must be between 0 and ${MAX_PAGE}.`, 'first');
  return { first, after: args.after ? decode(args.after) : null };
}

/**
 * A one-to-many relation as a connection, batched across all parents in the response. Not async: a page
 * read with its parent is answered at once (see `Loaders.pageOf`), and a bad argument throws to the executor.
 */
export function relationConnection<T extends BaseEntity | OwnedEntity>(
  ctx: { loaders: Loaders },
  connection: ConnectionClass<T>,
  spec: RelationSpec<T>,
  parentId: string,
  args: RelationArgs,
  /** What the page reads besides its rows (see relations-ahead.ts). */
  reads: PageReads = READ_ROWS_ONLY,
) {
  const { first, after } = relationPage(args);
  // The page is read only when edges or pageInfo are selected; `totalCount` alone is one batched count.
  return connection.lazy(
    () => {
      const page = ctx.loaders.pageOf(spec, first, after, reads, parentId);
      return page instanceof Promise ? page.then((p) => connectionPage(p, after)) : connectionPage(page, after);
    },
    () => ctx.loaders.countOf(spec as RelationSpec<object>, parentId),
  );
}

function connectionPage<T extends { id: string }>(page: ChildPage<T>, after: string | null) {
  return { edges: page.rows.map((node) => new RelationEdge(node)), pageInfo: new RelationPageInfo(page.rows, page.hasNextPage, after !== null) };
}

/** An edge of a relation page; its cursor is encoded only when selected (most reads select only nodes). */
class RelationEdge<T extends { id: string }> {
  constructor(readonly node: T) {}
  get cursor(): string {
    return encode(this.node.id);
  }
}

class RelationPageInfo {
  constructor(
    private readonly rows: readonly { id: string }[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}
  get startCursor(): string | null {
    return this.rows.length ? encode(this.rows[0].id) : null;
  }
  get endCursor(): string | null {
    return this.rows.length ? encode(this.rows[this.rows.length - 1].id) : null;
  }
}
