/**
 * The read path of a query: rows as plain objects, never ORM entities.
 *
 * A query only passes rows through to the response, so hydrating them into
 * tracked entities (identity map, reference wrappers, change-set snapshots)
 * was most of a long list's cost. `readRows` runs the same statement the ORM
 * would — the same filters, the `scope` filter among them — and converts
 * each column as the ORM's hydrator would, into an untracked object of the
 * entity's class (the `Node` interface and global ids read its name).
 * Many-to-one relations become `{ <key>: value }`, which is all a resolver
 * reads of a reference (`row.ownerMinistry.id`).
 *
 * Only for requests that write nothing: a mutation's rows are entities,
 * since what it loads it may change or link. Entities with collections or
 * getters and methods of their own (MoU, Account) keep the ORM path, as
 * their resolvers call those.
 */
import {
  raw,
  ReferenceKind,
  Utils,
  type EntityMetadata,
  type EntityProperty,
  type FilterQuery,
  type FindOptions,
  type Platform,
  type QueryOrderMap,
} from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { allColumns, countLiteral, orderSql, whereSql } from './where-sql';
import { quote } from '../db/begin';
import { countedTotal } from './row-counts';
import { execute } from '../db/begin';

type Data = Record<string, unknown>;

export interface PlainShape {
  /** A row of the driver's result (properties by name, relations as keys) as the read-only object resolvers get. */
  make(data: Data): object;
  /**
   * The same object straight from a row of a statement (columns by name), as the driver's result mapper
   * and then `make` would build it; other columns of the row (counts, joined references) are left out.
   * Null when a property is beyond it (composite keys, embeddables): use `make(driver.mapResult(row))`.
   */
  fromRow: ((row: Data) => object) | null;
}

const shapes = new Map<string, PlainShape | null>();

/** Own accessors and methods of the entity's classes, which a plain row would lack. */
function hasBehaviour(meta: EntityMetadata): boolean {
  for (let proto = meta.prototype as object | null; proto && proto !== Object.prototype; proto = Object.getPrototypeOf(proto)) {
    for (const name of Object.getOwnPropertyNames(proto)) {
      if (name === 'constructor' || name === 'toJSON' || name.startsWith('__') || name in meta.properties) continue;
      return true;
    }
  }
  return false;
}

function converter(prop: EntityProperty, platform: Platform): ((v: unknown) => unknown) | null {
  if (prop.customType) {
    const type = prop.customType;
    return (v) => type.convertToJSValue(v, platform);
  }
  if (prop.runtimeType === 'boolean') return (v) => !!v;
  if (prop.runtimeType === 'Date') return (v) => (v instanceof Date ? v : new Date(v as string));
  return null;
}

/**
 * A row of columns as a plain row of `meta` (see `PlainShape.fromRow`): per mapped column, the value the
 * driver's result mapper gives (booleans as booleans, timestamps as dates read in the configured time zone)
 * and then `make` (custom types converted, a many-to-one key as `{ <key>: value }`); a column the statement
 * did not select stays unset, as with the mapper.
 */
function fromColumns(meta: EntityMetadata, platform: Platform, proto: object): ((row: Data) => object) | null {
  const tz = platform.getTimezone();
  const parseDate = (v: unknown): unknown => {
    if (v instanceof Date) return v;
    if (typeof v === 'bigint') return platform.parseDate(Number(v));
    const text = v as string | number;
    if (!tz || tz === 'local' || typeof text === 'number' || text.includes('+') || text.lastIndexOf('-') > 10 || text.endsWith('Z'))
      return platform.parseDate(text);
    return platform.parseDate(text + tz);
  };
  const columns: [column: string, name: string, convert: ((v: unknown) => unknown) | null][] = [];
  for (const prop of meta.props) {
    if (!prop.fieldNames) continue;
    if (prop.fieldNames.length !== 1 || prop.embedded || prop.kind === ReferenceKind.EMBEDDED) return null;
    const column = prop.fieldNames[0];
    if (prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) {
      const key = prop.targetMeta?.primaryKeys[0] ?? 'id';
      columns.push([column, prop.name, (v) => ({ [key]: v })]);
    } else if (prop.kind === ReferenceKind.SCALAR) {
      const convert = converter(prop, platform);
      const parsed = prop.runtimeType === 'Date' && !platform.isNumericProperty(prop);
      columns.push([column, prop.name, parsed && convert ? (v) => convert(parseDate(v)) : convert]);
    } else return null;
  }
  // Written out as one function per entity (as the ORM compiles its mappers): a page may hold a thousand
  // rows, and a loop over the columns cost more than the rows' own values. Objects of one constructor
  // whose prototype is `proto`, so they share their shape. Names come from the metadata, never a request.
  function PlainRow() {}
  PlainRow.prototype = proto;
  const body = columns
    .map(
      ([column, name, convert], i) =>
        `v = row[${JSON.stringify(column)}]; if (v !== undefined) out[${JSON.stringify(name)}] = ${convert ? `v === null ? null : convert[${i}](v)` : 'v'};`,
    )
    .join('\n');
  const make = new Function('PlainRow', 'convert', `return function fromRow(row) { const out = new PlainRow(); let v;\n${body}\nreturn out; };`);
  return make(
    PlainRow,
    columns.map(([, , convert]) => convert),
  ) as (row: Data) => object;
}

/** How rows of `meta` are made plain, or null when the entity must stay an entity. */
export function plainShape(meta: EntityMetadata, platform: Platform): PlainShape | null {
  const known = shapes.get(meta.className);
  if (known !== undefined) return known;
  const collections = meta.props.some((p) => p.kind === ReferenceKind.ONE_TO_MANY || p.kind === ReferenceKind.MANY_TO_MANY);
  if (collections || hasBehaviour(meta)) {
    shapes.set(meta.className, null);
    return null;
  }
  // Rows are instances of the entity's class, so type-graphql takes them as they are and `constructor.name`
  // answers the GraphQL type; but their prototype first shadows every mapped property with a plain data
  // property, so assigning a column never runs the ORM's tracking setters on the entity's prototype.
  const shadows: PropertyDescriptorMap = {
    toJSON: {
      value: function (this: Data) {
        return { ...this };
      },
      writable: true,
      configurable: true,
    },
  };
  for (const prop of meta.props) shadows[prop.name] = { value: undefined, writable: true, configurable: true };
  const proto = Object.create(meta.prototype as object, shadows) as object;
  const steps: [string, (v: unknown) => unknown][] = [];
  for (const prop of meta.props) {
    if (prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) {
      const key = prop.targetMeta?.primaryKeys[0] ?? 'id';
      steps.push([prop.name, (v) => ({ [key]: v })]);
    } else if (prop.kind === ReferenceKind.SCALAR) {
      const convert = converter(prop, platform);
      if (convert) steps.push([prop.name, convert]);
    }
  }
  const shape: PlainShape = {
    make(data) {
      const row = Object.assign(Object.create(proto) as Data, data);
      for (const [name, convert] of steps) {
        const v = data[name];
        if (v !== null && v !== undefined) row[name] = convert(v);
      }
      return row;
    },
    fromRow: fromColumns(meta, platform, proto),
  };
  shapes.set(meta.className, shape);
  return shape;
}

/** Internals of the EntityManager and driver this uses: the filters (scope among them) as `em.find` applies them, and its cursor conditions. */
interface WhereProcessor {
  processWhere(entityName: string, where: unknown, options: object, type: 'read'): Promise<unknown>;
}
interface CursorProcessor {
  processCursorOptions(meta: EntityMetadata, options: object, orderBy: unknown): { orderBy: QueryOrderMap<object>[]; where: object };
}

/** What a page statement reads besides the rows (see relations-ahead.ts). */
export interface ReadAhead {
  /** Also count every row `where` matches (whatever the cursor), in the same statement. */
  total?: boolean;
  /** Columns over the page's rows (alias `t0`), e.g. `Loaders.countColumn`; read back by `name`. */
  columns?: readonly { name: string; sql: string; params: unknown[] }[];
  /** The properties to read (see projection.ts); all when absent or null. */
  fields?: readonly string[] | null;
}

/** The alias of the listed table in a page statement. */
export const PAGE_ALIAS = 't0';

/**
 * The rows `em.find(entity, where, options)` would load, with the same filters
 * and cursor options, as plain objects (see above); null when the entity is
 * not plain-readable, so the caller uses the ORM. `raw` are the rows with
 * properties by name, before conversion (keyset cursors are computed from
 * them, as the ORM computes them from keys); `make` converts one. `extras`
 * holds, per row, the columns `ahead` asked for; `total` the count, when asked
 * for and the page has a row to carry it.
 *
 * The statement is built as the driver's `find` builds it (no populate), plus
 * what `ahead` asks for, so one round trip answers the page and its counts.
 */
export async function readRows<T extends object>(
  em: EntityManager,
  entityName: string,
  where: FilterQuery<T>,
  options: FindOptions<T> = {},
  ahead: ReadAhead = {},
): Promise<{ raw: Data[]; make: (data: Data) => T; extras: Data[]; total: number | null } | null> {
  const meta = em.getMetadata().get(entityName);
  const shape = plainShape(meta, em.getPlatform());
  if (!shape) return null;
  const processed = await (em as unknown as WhereProcessor).processWhere(entityName, where, options, 'read');
  const driver = em.getDriver();
  const { first, last, before, after } = options;
  const cursor = [first, last, before, after].some((v) => v != null);
  const opts = { ...options } as FindOptions<T> & { limit?: number };
  let orderBy = Utils.asArray(options.orderBy ?? []) as object[];
  let pageWhere = processed;
  if (cursor) {
    const c = (driver as unknown as CursorProcessor).processCursorOptions(meta, opts, orderBy);
    orderBy = c.orderBy;
    if (Object.keys(c.where).length) pageWhere = { $and: [processed, c.where] };
  }
  const statement = pageStatement(em, meta, processed, pageWhere, orderBy, opts, ahead);
  const rows = (
    statement ? await execute(em, statement.sql, statement.params) : await ormPageStatement(em, entityName, processed, pageWhere, orderBy, opts, ahead)
  ) as Data[];
  if (cursor && !first && !!last) rows.reverse();
  const names = [...(ahead.total ? ['__total'] : []), ...(ahead.columns ?? []).map((c) => c.name)];
  const extras: Data[] = names.length ? rows.map((row) => Object.fromEntries(names.map((n) => [n, row[n]]))) : rows.map(() => NO_EXTRAS);
  const total = ahead.total && rows.length ? Number(extras[0].__total) : null;
  // Made at once when the sort keys read the same on a made row as on the mapped one (plain scalars, by
  // name): then the cursor is computed from the made rows, and a page of a thousand rows is built once.
  if (shape.fromRow && plainSortKeys(meta, orderBy)) return { raw: rows.map(shape.fromRow) as Data[], make: (d) => d as T, extras, total };
  const mapped = rows.map((row) => driver.mapResult(ownColumns(row) as never, meta) as Data);
  return { raw: mapped, make: (d) => shape.make(d) as T, extras, total };
}

const NO_EXTRAS: Data = Object.freeze({});

/** Whether every key of `orderBy` is a scalar column without a custom type (a reference or a converted value reads differently). */
function plainSortKeys(meta: EntityMetadata, orderBy: object[]): boolean {
  return orderBy.every((o) =>
    Object.keys(o).every((key) => {
      const prop = meta.properties[key as keyof typeof meta.properties] as EntityProperty | undefined;
      return !!prop && prop.kind === ReferenceKind.SCALAR && !prop.customType;
    }),
  );
}

/**
 * The page statement, written by where-sql.ts: the selected columns (all
 * when no projection), the total and `ahead`'s columns, the page's filters
 * and cursor, its order and limit. Null when a filter or ordering is beyond
 * what where-sql.ts writes.
 */
function pageStatement(
  em: EntityManager,
  meta: EntityMetadata,
  where: unknown,
  pageWhere: unknown,
  orderBy: object[],
  opts: { limit?: number; offset?: number },
  ahead: ReadAhead,
): { sql: string; params: unknown[] } | null {
  const params: unknown[] = [];
  let columns: string;
  if (!ahead.fields) columns = allColumns(meta, PAGE_ALIAS);
  else {
    const names: string[] = [];
    for (const field of ahead.fields) {
      const prop = meta.properties[field as keyof typeof meta.properties] as EntityProperty | undefined;
      if (!prop?.fieldNames?.length || prop.persist === false || prop.formula) return null;
      names.push(...prop.fieldNames);
    }
    columns = [...new Set(names)].map((c) => `${PAGE_ALIAS}.${quote(c)}`).join(', ');
  }
  const table = quote(meta.tableName);
  if (ahead.total) {
    const counted = countedTotal(meta, where, params);
    const count = counted === null ? whereSql(meta, where, 'n0', params) : null;
    if (counted === null && count === null) return null;
    columns += `, ${counted ?? `(select count(*) from ${table} as n0 where ${count})`} as "__total"`;
  }
  for (const c of ahead.columns ?? []) {
    columns += `, ${c.sql}`;
    params.push(...c.params);
  }
  const condition = whereSql(meta, pageWhere, PAGE_ALIAS, params);
  const order = orderSql(meta, orderBy, PAGE_ALIAS);
  if (condition === null || order === null) return null;
  let sql = `select ${columns} from ${table} as ${PAGE_ALIAS} where ${condition}${order ? ` order by ${order}` : ''}`;
  if (opts.limit != null) sql += ` limit ${countLiteral(opts.limit)}`;
  if (opts.offset != null) sql += ` offset ${countLiteral(opts.offset)}`;
  return { sql, params };
}

/** The same statement built by the ORM's QueryBuilder, for filters where-sql.ts leaves to it. */
async function ormPageStatement(
  em: EntityManager,
  entityName: string,
  where: unknown,
  pageWhere: unknown,
  orderBy: object[],
  opts: { limit?: number; offset?: number },
  ahead: ReadAhead,
): Promise<unknown> {
  const qb = em.createQueryBuilder(entityName, PAGE_ALIAS);
  const select: unknown[] = ahead.fields ? [...ahead.fields] : ['*'];
  if (ahead.total)
    select.push(
      em
        .createQueryBuilder(entityName, 'n0')
        .count()
        .where(where as never)
        .as('__total') as never,
    );
  for (const c of ahead.columns ?? []) select.push(raw(c.sql, c.params) as never);
  qb.select(select as never)
    .where(pageWhere as never)
    .orderBy(orderBy as never);
  if (opts.limit != null || opts.offset != null) qb.limit(opts.limit, opts.offset);
  return qb.execute('all', false);
}

/** A raw SQL row (column names) as a plain row of `entityName`, or null when that entity stays an entity. */
export function plainRowMaker(em: EntityManager, entityName: string): ((row: Data) => object) | null {
  const meta = em.getMetadata().get(entityName);
  const shape = plainShape(meta, em.getPlatform());
  if (!shape) return null;
  if (shape.fromRow) return shape.fromRow;
  const driver = em.getDriver();
  return (row) => shape.make(driver.mapResult(ownColumns(row) as never, meta) as Data);
}

/** A page statement's row without what it reads besides the row (`__rn`, `__countN`, joined `rN__column`). */
export function ownColumns(row: Data): Data {
  const own: Data = {};
  for (const key in row) if (!key.startsWith('__') && !/^r\d+__/.test(key)) own[key] = row[key];
  return own;
}
