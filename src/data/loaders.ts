/**
 * Per-request batching, so a page of N parents costs one statement per level,
 * never one per row (tests assert the counts).
 *
 * - `byId`: many-to-one relations, through the ORM, so the scope filter applies.
 * - `page` / `count`: one-to-many relation connections. Each parent needs its own
 *   "first N after cursor", which the ORM cannot batch, so these are single SQL
 *   statements with a window function. They are the one place that bypasses the
 *   ORM filter, so they apply `Scope.readMinistries` themselves.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityMetadata, EntityName } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import type { Scope, ScopedResource } from '../access/scope';
import { ownColumns, plainRowMaker, readRows } from './plain-rows';
import { allColumns, countLiteral } from './where-sql';
import { quote } from '../db/begin';
import { READ_ROWS_ONLY, type PageReads, type ReferenceAhead, type RelationSpec, type RowAhead } from './reads';
export type { RelationSpec } from './reads';
import { execute } from '../db/begin';

const MIN_UUID = '00000000-0000-0000-0000-000000000000';

/** Small numbers for long-lived objects (a document's page reads), to key loaders by them cheaply. */
const objectIds = new WeakMap<object, number>();
let lastId = 0;
function idOf(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, (id = ++lastId));
  return id;
}

export interface ChildPage<T> {
  rows: T[];
  hasNextPage: boolean;
}

export class Loaders {
  private readonly cache = new Map<string, DataLoader<string, unknown>>();
  constructor(
    private readonly em: EntityManager,
    private readonly scope: Scope,
    /** A request that writes nothing: rows are read plain (see plain-rows.ts), not as entities. */
    private readonly readOnly = false,
  ) {}

  private memo<V>(key: string, make: () => DataLoader<string, V>): DataLoader<string, V> {
    let loader = this.cache.get(key);
    if (!loader) this.cache.set(key, (loader = make() as DataLoader<string, unknown>));
    return loader as DataLoader<string, V>;
  }

  private readonly bySpec = new WeakMap<object, Map<string, DataLoader<string, unknown>>>();

  /**
   * `memo` for a relation's loaders, asked once per parent row: found by the spec object (one per
   * relation) and a short key, without building the full key each time. The full key still decides
   * which loader it is, so two specs of the same relation share one loader and one statement.
   */
  private memoFor<V>(spec: object, short: string, full: () => string, make: () => DataLoader<string, V>): DataLoader<string, V> {
    let mine = this.bySpec.get(spec);
    if (!mine) this.bySpec.set(spec, (mine = new Map()));
    let loader = mine.get(short);
    if (!loader) mine.set(short, (loader = this.memo(full(), make) as DataLoader<string, unknown>));
    return loader as DataLoader<string, V>;
  }

  /**
   * Loads rows by primary key; a row outside the caller's scope loads as null.
   * `fields`: the properties a query needs (see projection.ts), all when absent; `ahead`: what the
   * statement reads besides each row (its relation pages and counts, see row-ahead.ts), a query's only.
   */
  byId<T extends object>(
    entity: EntityName<T> & { name: string },
    fields: readonly string[] | null = null,
    ahead?: Pick<RowAhead, 'key' | 'columns' | 'take'>,
  ): DataLoader<string, T | null> {
    return this.memo(
      `byId:${entity.name}:${fields?.join(',') ?? '*'}:${ahead?.key ?? ''}`,
      () =>
        new DataLoader<string, T | null>(async (ids) => {
          // By the primary key, whatever it is called (reference data is keyed by a code).
          const pk = this.em.getMetadata().find(entity.name)?.primaryKeys[0] ?? 'id';
          const where = { [pk]: { $in: [...ids] } } as never;
          const plain = this.readOnly ? await readRows<T>(this.em, entity.name, where, {}, { fields, columns: ahead?.columns }) : null;
          plain?.raw.forEach((row, i) => ahead?.take(plain.extras[i], String(row[pk])));
          const rows = plain ? plain.raw.map(plain.make) : await this.em.find(entity, where);
          const byId = new Map(rows.map((r) => [String((r as Record<string, unknown>)[pk]), r]));
          return ids.map((id) => (byId.get(id) as T | undefined) ?? null);
        }),
    );
  }

  /**
   * First `first` children (by id) of each parent, after an optional child-id cursor.
   * `counts`: relations of the children whose `totalCount` the query asks for next; they are
   * counted in the same statement and primed into `count`, one round trip fewer per level.
   */
  page<T extends object>(spec: RelationSpec<T>, first: number, after: string | null, asked: PageReads = READ_ROWS_ONLY): DataLoader<string, ChildPage<T>> {
    // A mutation's rows are entities in the identity map: read whole, never a projection, nothing joined to them.
    const reads = () => (this.readOnly || asked === READ_ROWS_ONLY ? asked : { ...READ_ROWS_ONLY, counts: asked.counts, key: `whole:${asked.key}` });
    return this.memoFor(
      spec,
      `page:${first}:${after}:${idOf(asked)}`,
      () => `page:${spec.entity.name}:${spec.parentProperty}:${first}:${after}:${reads().key}`,
      () =>
        new DataLoader<string, ChildPage<T>>(async (parentIds) => {
          const query = this.pageQuery(spec, first, after, reads(), { ids: parentIds });
          if (!query) return parentIds.map(() => ({ rows: [], hasNextPage: false }));
          return query.take(await execute(this.em, query.sql, query.params), parentIds);
        }),
    );
  }

  /**
   * A page of `spec`'s children of each row of `parentAlias`, as a JSON column `name` of the statement
   * that reads those rows (a root `node` reads its selected relation pages with itself). `take` hands
   * the page of one parent to `page(...)` with the same arguments, as that loader would have read it.
   * Null when nothing is readable (the loader answers empty pages without a statement anyway).
   */
  pageColumn(
    spec: RelationSpec<object>,
    first: number,
    after: string | null,
    reads: PageReads,
    parentAlias: string,
    name: string,
  ): { name: string; sql: string; params: unknown[]; take(json: unknown, parentId: string): void } | null {
    if (!this.readOnly) return null;
    const query = this.pageQuery(spec, first, after, reads, { of: parentAlias });
    if (!query) return null;
    const loader = this.page(spec, first, after, reads);
    return {
      name,
      // Ordered as the page statement orders its rows; json keeps each column's name, and the plain
      // rows' converters read its text forms (timestamps, dates) as they read the driver's.
      sql: `(select coalesce(json_agg(row_to_json(p) order by p.id), '[]'::json) from (${query.sql}) p) as "${name}"`,
      params: query.params,
      take: (json, parentId) => {
        const rows = (typeof json === 'string' ? JSON.parse(json) : json) as Record<string, unknown>[];
        this.pagesOf(loader).set(parentId, query.take(rows, [parentId])[0]);
      },
    };
  }

  private readonly primedPages = new WeakMap<object, Map<string, ChildPage<object>>>();

  /** Pages read with their parents (`pageColumn`), per loader: `pageOf` answers them at once. */
  private pagesOf(loader: object): Map<string, ChildPage<object>> {
    let known = this.primedPages.get(loader);
    if (!known) this.primedPages.set(loader, (known = new Map()));
    return known;
  }

  /**
   * `parentId`'s page of `page(spec, first, after, asked)`: at once when its parent's statement read it
   * (`pageColumn`), else by the batched loader. Answered at once, a page below every row of a list costs
   * neither a promise nor an asynchronous step of the executor per row.
   */
  pageOf<T extends object>(
    spec: RelationSpec<T>,
    first: number,
    after: string | null,
    asked: PageReads,
    parentId: string,
  ): ChildPage<T> | Promise<ChildPage<T>> {
    const loader = this.page(spec, first, after, asked);
    return (this.primedPages.get(loader)?.get(parentId) as ChildPage<T> | undefined) ?? loader.load(parentId);
  }

  /** The statement of `page`, for the parents `ids` or for the row of an outer query's `of` alias, and how its rows become pages. */
  private pageQuery<T extends object>(
    spec: RelationSpec<T>,
    first: number,
    after: string | null,
    { counts, fields, refs }: PageReads,
    parents: { ids: readonly string[] } | { of: string },
  ) {
    const { table, fk, fkColumn, owner } = this.columns(spec);
    const meta = this.em.getMetadata().get(spec.entity.name);
    const columns = fields
      ? [...new Set(['id', spec.parentProperty, ...fields])]
          .flatMap((p) => meta.properties[p as keyof typeof meta.properties].fieldNames.map((c) => `t.${quote(c)}`))
          .join(', ')
      : allColumns(meta, 't');
    const scopeSql = this.scopeSql(spec, owner, 't');
    if (!scopeSql) return null;
    const countSql = counts.map((c, i) => this.countColumn(c, 'x', `__count${i}`));
    const joined = this.joins(meta, 'x', refs);
    const parentSql = 'ids' in parents ? `t.${fk} in (?)` : `t.${fk} = ${parents.of}.id`;
    const make = (this.readOnly && plainRowMaker(this.em, spec.entity.name)) || ((row: Record<string, unknown>) => this.em.map(spec.entity, ownColumns(row)));
    const outer = `select x.*${countSql.map((c) => (c ? `, ${c.sql}` : '')).join('')}${joined.columns}`;
    const countParams = countSql.flatMap((c) => c?.params ?? []);
    // One extra row tells hasNextPage.
    const statement =
      'ids' in parents
        ? {
            // Many parents at once: rn counts, per parent, the children after the cursor.
            sql: `${outer} from (select ${columns}, count(*) filter (where t.id > ?) over (partition by t.${fk} order by t.id) as __rn
             from ${table} t where ${parentSql} ${scopeSql.sql}) x ${joined.sql}
           where x.id > ? and x.__rn <= ${countLiteral(first + 1)} order by x.${fk}, x.id`,
            params: [...countParams, after ?? MIN_UUID, [...parents.ids], ...scopeSql.params, ...joined.params, after ?? MIN_UUID],
          }
        : {
            // The one parent of the outer row: its first children by a plain limit, which the planner reads
            // off the index in order and stops, where a window over all of them sorted and counted each.
            sql: `${outer} from (select ${columns} from ${table} t where ${parentSql} ${scopeSql.sql} and t.id > ? order by t.id limit ${countLiteral(first + 1)}) x ${joined.sql} order by x.id`,
            params: [...countParams, ...scopeSql.params, after ?? MIN_UUID, ...joined.params],
          };
    const countsKnown = counts.map((c) => this.countsOf(c));
    const countNames = counts.map((_, i) => `__count${i}`);
    return {
      ...statement,
      take: (rows: Record<string, unknown>[], parentIds: readonly string[]): ChildPage<T>[] => {
        const seen = (row: Record<string, unknown>): T => {
          // The row's own columns are read by name below; __rn and the counts are left on it.
          for (let i = 0; i < countsKnown.length; i++) countsKnown[i].set(row.id as string, countSql[i] ? Number(row[countNames[i]]) : 0);
          joined.prime(row);
          return make(row) as T;
        };
        const pageOf = (list: T[]): ChildPage<T> => ({ rows: list.length > first ? list.slice(0, first) : list, hasNextPage: list.length > first });
        // One parent (a page read inside its parent's statement): every row is its child.
        if (parentIds.length === 1) return [pageOf(rows.map(seen))];
        const grouped = new Map<string, T[]>();
        for (const row of rows) {
          const parentId = row[fkColumn] as string;
          const list = grouped.get(parentId);
          if (list) list.push(seen(row));
          else grouped.set(parentId, [seen(row)]);
        }
        return parentIds.map((id) => pageOf(grouped.get(id) ?? []));
      },
    };
  }

  /**
   * Left joins reading the rows `refs` point to (and theirs), each in its entity's read scope, with
   * the columns its selection needs under aliases `rN__column`; `prime` takes them out of a result
   * row and hands each referenced row to `byId`, as that loader would have loaded it: null when the
   * row is outside the caller's scope. A reference whose entity is not read plain, or is filtered by
   * more than the scope, is left to `byId`.
   */
  private joins(parentMeta: EntityMetadata, parentAlias: string, refs: readonly ReferenceAhead[]) {
    const joins: string[] = [];
    const columns: string[] = [];
    const params: unknown[] = [];
    const primes: ((row: Record<string, unknown>) => void)[] = [];
    let n = 0;
    const plan = (parent: EntityMetadata, alias: string, ref: ReferenceAhead) => {
      const meta = this.em.getMetadata().get(ref.entity);
      const make = plainRowMaker(this.em, ref.entity);
      const filters = Object.keys(meta.filters ?? {});
      const pk = meta.primaryKeys;
      if (!make || pk.length !== 1 || filters.some((f) => f !== 'scope')) return;
      const me = `r${n}`;
      let scope = '';
      if (filters.includes('scope')) {
        const owner = meta.properties['ownerMinistry' as keyof typeof meta.properties];
        if (!owner) return;
        const ids = this.scope.readMinistries(ref.entity);
        if (ids !== null) {
          if (ids.length === 0) scope = ' and false';
          else {
            scope = ` and ${me}.${quote(owner.fieldNames[0])} in (?)`;
            params.push([...ids]);
          }
        }
      }
      n++;
      const fk = parent.properties[ref.key as keyof typeof parent.properties].fieldNames[0];
      const pkColumn = meta.properties[pk[0] as keyof typeof meta.properties].fieldNames[0];
      joins.push(`left join ${quote(meta.tableName)} ${me} on ${me}.${quote(pkColumn)} = ${alias}.${quote(fk)}${scope}`);
      const cols = ref.fields
        ? ref.fields.flatMap((p) => meta.properties[p as keyof typeof meta.properties].fieldNames)
        : meta.props.filter((p) => p.persist !== false && p.fieldNames?.length).flatMap((p) => p.fieldNames);
      const unique = [...new Set(cols)];
      for (const c of unique) columns.push(`, ${me}.${quote(c)} as ${quote(`${me}__${c}`)}`);
      const loader = this.byId(meta.class as EntityName<object> & { name: string }, ref.fields);
      primes.push((row) => {
        const key = row[`${alias === 'x' ? '' : `${alias}__`}${fk}`];
        const data: Record<string, unknown> = {};
        for (const c of unique) data[c] = row[`${me}__${c}`];
        if (key == null) return;
        loader.prime(String(key), data[pkColumn] == null ? null : (make(data) as never));
      });
      for (const below of ref.below) plan(meta, me, below);
    };
    for (const ref of refs) plan(parentMeta, parentAlias, ref);
    return {
      sql: joins.join(' '),
      columns: columns.join(''),
      params,
      prime: (row: Record<string, unknown>) => {
        for (const p of primes) p(row);
      },
    };
  }

  /** All children of each parent, oldest first: for small fixed sets such as an MoU's parties and clauses. */
  all<T extends object>(spec: RelationSpec<T>): DataLoader<string, T[]> {
    return this.memo(
      `all:${spec.entity.name}:${spec.parentProperty}`,
      () =>
        new DataLoader<string, T[]>(async (parentIds) => {
          const rows = await this.em.find(spec.entity, { [spec.parentProperty]: { $in: [...parentIds] } } as never, { orderBy: { id: 'asc' } as never });
          const grouped = new Map<string, T[]>();
          for (const row of rows) {
            const parentId = ((row as Record<string, unknown>)[spec.parentProperty] as { id: string }).id;
            grouped.set(parentId, [...(grouped.get(parentId) ?? []), row]);
          }
          return parentIds.map((id) => grouped.get(id) ?? []);
        }),
    );
  }

  /** Number of children per parent in the caller's scope. */
  count<T extends object>(spec: RelationSpec<T>): DataLoader<string, number> {
    return this.memoFor(
      spec,
      'count',
      () => `count:${spec.entity.name}:${spec.parentProperty}`,
      () =>
        new DataLoader<string, number>(async (parentIds) => {
          const { table, fk, owner } = this.columns(spec);
          const scopeSql = this.scopeSql(spec, owner, 't');
          if (!scopeSql) return parentIds.map(() => 0);
          const rows = await execute<{ parent: string; n: string }>(
            this.em,
            `select t.${fk} as parent, count(*) as n from ${table} t where t.${fk} in (?) ${scopeSql.sql} group by t.${fk}`,
            [[...parentIds], ...scopeSql.params],
          );
          const counts = new Map(rows.map((r) => [r.parent, Number(r.n)]));
          return parentIds.map((id) => counts.get(id) ?? 0);
        }),
    );
  }

  /**
   * A select-list column `name` counting, for each row of `parentAlias`, its children of `spec`
   * in the caller's scope: a correlated subquery, evaluated for the page's rows only. Null when
   * none are readable (the count is 0).
   */
  countColumn(spec: RelationSpec<object>, parentAlias: string, name: string): { name: string; sql: string; params: unknown[] } | null {
    const { table, fk, owner } = this.columns(spec);
    const scope = this.scopeSql(spec, owner, 'c');
    return scope ? { name, sql: `(select count(*) from ${table} c where c.${fk} = ${parentAlias}.id ${scope.sql}) as "${name}"`, params: scope.params } : null;
  }

  private readonly counted = new WeakMap<object, Map<string, number>>();

  /**
   * Records the number of `parentId`'s children, counted by the statement that read the parent: `countOf`
   * answers it as a number, so a `totalCount` below every row of a page costs neither a statement nor a promise.
   */
  primeCount(spec: RelationSpec<object>, parentId: string, n: number): void {
    this.countsOf(spec).set(parentId, n);
  }

  /** The number of `parentId`'s children in the caller's scope: at once when counted with the parent, else by the batched `count`. */
  countOf(spec: RelationSpec<object>, parentId: string): number | Promise<number> {
    return this.countsOf(spec).get(parentId) ?? this.count(spec).load(parentId);
  }

  private readonly countsBySpec = new WeakMap<object, Map<string, number>>();

  /**
   * Counts already read, per relation (the loader stands for its relation, whichever spec object names it);
   * found by the spec object after its first use, as it is asked once per row of a page.
   */
  private countsOf(spec: RelationSpec<object>): Map<string, number> {
    let known = this.countsBySpec.get(spec);
    if (known) return known;
    const loader = this.count(spec);
    known = this.counted.get(loader);
    if (!known) this.counted.set(loader, (known = new Map()));
    this.countsBySpec.set(spec, known);
    return known;
  }

  private readonly cached = new Map<string, Promise<unknown>>();

  /** A value computed once per request (e.g. a small reference table), under `key`. */
  once<V>(key: string, make: (em: EntityManager) => Promise<V>): Promise<V> {
    if (!this.cached.has(key)) this.cached.set(key, make(this.em));
    return this.cached.get(key) as Promise<V>;
  }

  private columns<T>(spec: RelationSpec<T>) {
    const meta = this.em.getMetadata().get(spec.entity.name);
    const fkColumn = meta.properties[spec.parentProperty as keyof typeof meta.properties].fieldNames[0];
    return {
      table: quote(meta.tableName),
      fk: quote(fkColumn),
      fkColumn,
      owner: meta.properties['ownerMinistry' as keyof typeof meta.properties]
        ? quote(meta.properties['ownerMinistry' as keyof typeof meta.properties].fieldNames[0])
        : null,
    };
  }

  /** SQL for the scope, or null when nothing is readable (skip the query). */
  private scopeSql<T>(spec: RelationSpec<T>, owner: string | null, alias: string): { sql: string; params: unknown[] } | null {
    if (!spec.resource) return { sql: '', params: [] };
    const ids = this.scope.readMinistries(spec.resource);
    if (ids === null) return { sql: '', params: [] };
    if (ids.length === 0 || !owner) return null;
    return { sql: `and ${alias}.${owner} in (?)`, params: [[...ids]] };
  }
}
