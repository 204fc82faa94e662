/**
 * Relay connections. Root lists page with MikroORM's `findByCursor` (keyset
 * pagination on the sort key plus id); relation lists are batched across parents
 * by `loaders.ts` (one window-function query per level) and use an id cursor. `totalCount` is a method field,
 * so its COUNT query runs only when a client asks for it.
 */
import type { ClassType } from 'type-graphql';
import { isObjectType, type GraphQLSchema } from 'graphql';
import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { Max, Min } from 'class-validator';
import { badUserInput } from './errors';

export const DEFAULT_PAGE = 20;
export const MAX_PAGE = 1000;

@ObjectType({ simpleResolvers: true })
export class PageInfo {
  @Field(() => Boolean) hasNextPage!: boolean;
  @Field(() => Boolean) hasPreviousPage!: boolean;
  @Field(() => String, { nullable: true }) startCursor!: string | null;
  @Field(() => String, { nullable: true }) endCursor!: string | null;
}

@ArgsType()
export class ForwardPageArgs {
  @Field(() => Int, { nullable: true, description: `Page size, 0 to ${MAX_PAGE} (default ${DEFAULT_PAGE}).` })
  @Min(0)
  @Max(MAX_PAGE)
  first?: number;

  @Field(() => String, { nullable: true, description: 'Cursor of the last edge already seen.' })
  after?: string;
}

@ArgsType()
export class PageArgs extends ForwardPageArgs {
  @Field(() => Int, { nullable: true, description: 'Page size counted back from `before` (or the end).' })
  @Min(0)
  @Max(MAX_PAGE)
  last?: number;

  @Field(() => String, { nullable: true })
  before?: string;
}

export interface Edge<T> {
  cursor: string;
  node: T;
}

/** A connection's page: its edges and page info. */
export interface ConnectionPage<T> {
  edges: Edge<T>[];
  pageInfo: PageInfo;
}

export interface ConnectionShape<T> extends ConnectionPage<T> {
  totalCount(): Promise<number> | number;
}

export type ConnectionClass<T> = ClassType<ConnectionShape<T>> & {
  make(edges: Edge<T>[], pageInfo: PageInfo, count: () => Promise<number> | number): ConnectionShape<T>;
  /** A connection whose page is loaded only if `edges` or `pageInfo` is asked for: `totalCount` alone costs one count. */
  lazy(page: () => ConnectionPage<T> | Promise<ConnectionPage<T>>, count: () => Promise<number> | number): ConnectionShape<T>;
};

const connections = new Map<string, ConnectionClass<never>>();

/** `XConnection` and `XEdge` types for node type `X`, made once per type. */
export function connectionOf<T extends object>(nodeType: ClassType<T>, name = nodeType.name): ConnectionClass<T> {
  const known = connections.get(name);
  if (known) return known as unknown as ConnectionClass<T>;
  @ObjectType(`${name}Edge`, { simpleResolvers: true })
  class EdgeType {
    @Field(() => String) cursor!: string;
    @Field(() => nodeType) node!: T;
  }

  @ObjectType(`${name}Connection`)
  class ConnectionType implements ConnectionShape<T> {
    // Never null on its own: the page is the list (an empty one when nothing matches). Should reading it fail,
    // the connection, which is nullable where it is a root field or a relation, answers null with the error.
    @Field(() => [EdgeType]) edges!: Edge<T>[];
    @Field(() => PageInfo) pageInfo!: PageInfo;
    count!: () => Promise<number> | number;

    @Field(() => Int, { description: "Rows in the caller's scope matching the filter, over all pages." })
    totalCount(): Promise<number> | number {
      return this.count();
    }

    static make(edges: Edge<T>[], pageInfo: PageInfo, count: () => Promise<number> | number) {
      const connection = new ConnectionType();
      connection.edges = edges;
      connection.pageInfo = pageInfo;
      connection.count = count;
      return connection;
    }

    static lazy(page: () => ConnectionPage<T> | Promise<ConnectionPage<T>>, count: () => Promise<number> | number) {
      return new LazyConnection(page, count);
    }
  }

  /**
   * A connection whose page is read only when `edges` or `pageInfo` is selected (GraphQL's default
   * resolver reads the property only then). Getters on the prototype, not defined per object: a
   * response may hold a connection for every row of the page above it.
   */
  class LazyConnection extends ConnectionType {
    private loaded?: ConnectionPage<T> | Promise<ConnectionPage<T>>;
    constructor(
      private readonly page: () => ConnectionPage<T> | Promise<ConnectionPage<T>>,
      count: () => Promise<number> | number,
    ) {
      super();
      this.count = count;
    }
    private once() {
      return (this.loaded ??= this.page());
    }
  }
  // A page already read (with its parent) is answered as a value: the executor then goes on without a promise.
  Object.defineProperty(LazyConnection.prototype, 'edges', {
    get(this: LazyConnection) {
      const page = this['once']();
      return page instanceof Promise ? page.then((p) => p.edges) : page.edges;
    },
  });
  Object.defineProperty(LazyConnection.prototype, 'pageInfo', {
    get(this: LazyConnection) {
      const page = this['once']();
      return page instanceof Promise ? page.then((p) => p.pageInfo) : page.pageInfo;
    },
  });
  connections.set(name, ConnectionType as unknown as ConnectionClass<never>);
  return ConnectionType as unknown as ConnectionClass<T>;
}

/**
 * Puts plain functions on the built schema for every connection's `edges`, `pageInfo` and `totalCount`,
 * in place of type-graphql's per-call wrappers (as data/direct-resolvers.ts does for row fields): a list
 * answers these once per row of the page above it. What they answer is unchanged: the property, or the
 * count. The SDL is unchanged.
 */
export function installConnectionResolvers(schema: GraphQLSchema): void {
  for (const name of connections.keys()) {
    const type = schema.getType(`${name}Connection`);
    if (!isObjectType(type)) throw new Error(`connection resolvers: no type ${name}Connection in the schema`);
    const fields = type.getFields();
    fields.edges.resolve = (c: ConnectionShape<unknown>) => c.edges;
    fields.pageInfo.resolve = (c: ConnectionShape<unknown>) => c.pageInfo;
    fields.totalCount.resolve = (c: ConnectionShape<unknown>) => c.totalCount();
  }
}

export function pageSize(args: { first?: number | null; last?: number | null }): void {
  if (args.first != null && args.last != null) throw badUserInput('Give either first or last, not both.', 'last');
}

/** Escapes LIKE wildcards so a search for "50%" matches the text "50%". */
export const likePattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
