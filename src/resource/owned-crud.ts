/**
 * The list / create / update / delete operations every ministry-owned entity
 * has, written once. Each module supplies its inputs and the few rules that are
 * its own (`OwnedCrudConfig`); access is the same for all:
 *
 * - lists and by-id reads go through the ORM, where the `scope` filter limits
 *   rows to the caller's read scope (so counts and pages stay honest);
 * - the owner is always the caller's ministry, never an input;
 * - updates and deletes load the row through the scope and then require it to
 *   be in the write scope (own ministry), answering the same FORBIDDEN whether
 *   the row is foreign or missing.
 */
import { requireOwnMinistry } from './guards';
import {
  CheckConstraintViolationException,
  NotNullConstraintViolationException,
  OptimisticLockError,
  UniqueConstraintViolationException,
  ForeignKeyConstraintViolationException,
  type FilterQuery,
  type QueryOrderMap,
} from '@mikro-orm/core';
import {
  Arg,
  Args,
  ArgsType,
  Ctx,
  Extensions,
  Field,
  FieldResolver,
  ID,
  Info,
  InputType,
  Int,
  Mutation,
  ObjectType,
  Query,
  Resolver,
  Root,
  type ClassType,
} from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { ValidateNested } from 'class-validator';
import type { Context } from '../context';
import { Ministry } from '../data/ministry.entity';
import type { OwnedEntity } from '../data/owned.entity';
import { badUserInput, conflict, forbidden, notWritable, staleVersion } from '../shared/errors';
import { updatePlainly } from '../data/row-update';
import { fromGlobalId, toGlobalId } from '../shared/global-id';
import { listConnection } from './list';
import { entityById } from '../data/entity-by-id';
import { MAX_EXPORT_ROWS, toCsv } from './csv-export';
import { Pacer } from '../shared/pacing';
import { EXPORT_COST } from '../shared/query-limits';
import { logPersonalMatches, logPersonalRows } from './personal-field';
import { connectionOf, PageArgs } from '../shared/pagination';
import { SortDirection } from '../shared/enums';

/** Rows an export reads per query. */
const EXPORT_PAGE = 500;

@ObjectType({ simpleResolvers: true })
export class DeletePayload {
  @Field(() => ID, { description: 'Global id of the deleted record.' })
  deletedId!: string;
}

export interface UpdateInputBase {
  id: string;
  expectedVersion?: number | null;
}

export interface OrderInput<F extends string> {
  field: F;
  direction?: SortDirection | null;
}

export interface OwnedCrudConfig<T extends OwnedEntity, C extends object, U extends UpdateInputBase, F extends object, O extends string> {
  entity: ClassType<T>;
  /** Root list field name, e.g. `institutions`. */
  listName: string;
  createInput: ClassType<C>;
  updateInput: ClassType<U>;
  filterInput: ClassType<F>;
  orderField: object;
  /** Entity property for each value of the order-field enum. */
  orderProperty: Record<O, string>;
  where(filter: F, ctx: Context): FilterQuery<T> | Promise<FilterQuery<T>>;
  /** Columns of the CSV export, in order (entity property names). */
  csvColumns: readonly string[];
  /** Refuses an ordering the caller may not use (e.g. by a personal field it sees masked). */
  assertOrder?(field: O, filter: F, ctx: Context): void;
  /** The personal fields a filter matches on: each other-ministry row it matches is logged as a read of them. */
  personalFilterFields?(filter: F): string[];
  /** Orderings by a personal field: the rows of each page are logged as reads of it. */
  personalOrderFields?: Partial<Record<O, string>>;
  /** Builds and validates a new row (owner is set afterwards by the caller). */
  create(input: C, ctx: Context): Promise<T>;
  /** Applies and validates a change on a row already known to be writable. */
  update(row: T, input: U, ctx: Context): Promise<void>;
}

/** Resolves a global id to a row the caller may write, or throws FORBIDDEN (also for missing rows). */
export async function loadWritable<T extends OwnedEntity>(ctx: Context, entity: ClassType<T>, globalId: string, field = 'id'): Promise<T> {
  const id = fromGlobalId(globalId, entity.name, field);
  const row = await entityById(ctx.em, entity as ClassType<T> & (new () => T), id);
  if (!row || !ctx.scope.canWrite(row.ownerMinistry.id)) throw notWritable(field);
  return row;
}

/** Resolves a global id to a row the caller may read, or throws BAD_USER_INPUT as if it did not exist. */
export async function loadReadable<T extends object>(ctx: Context, entity: ClassType<T>, globalId: string, field: string): Promise<T> {
  const id = fromGlobalId(globalId, entity.name, field);
  const row = await ctx.loaders.byId(entity).load(id);
  if (!row) throw badUserInput(`No ${entity.name} with this id.`, field);
  return row;
}

/** Flushes, turning database constraint errors into client errors. */
export async function flushOrExplain(ctx: Context): Promise<void> {
  try {
    await ctx.em.flush();
  } catch (e) {
    ctx.em.clear();
    throw explainWriteError(e);
  }
}

/** PostgreSQL's error code, on the driver's error or on the ORM's wrapping of it. */
const sqlState = (e: unknown): string | undefined => (e as { code?: string }).code ?? (e as { previous?: { code?: string } }).previous?.code;

/** A database error of a write as the client's error (a constraint it broke, a stale version), or itself. */
export function explainWriteError(e: unknown): unknown {
  if (e instanceof UniqueConstraintViolationException) return conflict('A record with these values exists already.');
  // 23001: a RESTRICT reference (the schema's own), which the ORM does not map to a foreign-key violation.
  if (e instanceof ForeignKeyConstraintViolationException || sqlState(e) === '23001')
    return conflict('Other records still refer to this one; delete or move them first.');
  if (e instanceof OptimisticLockError) return staleVersion();
  if (e instanceof NotNullConstraintViolationException) {
    // A null sent for a field that must have a value: name the field as the client spelled it.
    const column = /column "([a-z_]+)"/.exec(String((e as Error).message))?.[1] ?? '';
    const field = column.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    return badUserInput(`${field || 'A field'} cannot be cleared: leave it out to keep its value.`, field ? `input.${field}` : 'input');
  }
  if (e instanceof CheckConstraintViolationException)
    return conflict('The database refused a value that breaks one of its rules (e.g. a programme already full).');
  // The database's own layer (row-level security, grants, guard triggers) refused: the API's checks should have first.
  if (sqlState(e) === '42501') return forbidden('The database refused this change for your account.', 'database:row-level-security');
  return e;
}

export function ownedCrudResolver<T extends OwnedEntity, C extends object, U extends UpdateInputBase, F extends object, O extends string>(
  cfg: OwnedCrudConfig<T, C, U, F, O>,
) {
  const name = cfg.entity.name;
  const Connection = connectionOf(cfg.entity);

  @InputType(`${name}Order`)
  class Order implements OrderInput<O> {
    @Field(() => cfg.orderField) field!: O;
    @Field(() => SortDirection, { nullable: true, defaultValue: SortDirection.ASC }) direction?: SortDirection;
  }

  @ArgsType()
  class ListArgs extends PageArgs {
    @Field(() => cfg.filterInput, { nullable: true }) @ValidateNested() filter?: F;
    @Field(() => Order, { nullable: true, description: 'Ties are broken by id.' }) orderBy?: Order;
  }

  /** Every path by which a personal value can leave through a list is logged (see personal-field.ts). */
  async function logPersonalQuery(ctx: Context, where: FilterQuery<T>, filter: F, order: O | undefined, page: T[]): Promise<void> {
    const filterFields = cfg.personalFilterFields?.(filter) ?? [];
    if (filterFields.length) await logPersonalMatches(ctx, name, cfg.entity, where, filterFields);
    const sortField = order ? cfg.personalOrderFields?.[order] : undefined;
    if (sortField) await logPersonalRows(ctx, name, page, [sortField]);
  }

  @Resolver(() => cfg.entity)
  class OwnedCrudResolver {
    @Query(() => Connection, { nullable: true, name: cfg.listName, description: `${name} rows in the caller's read scope.` })
    async list(@Args(() => ListArgs) args: ListArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
      const where = (await cfg.where(args.filter ?? ({} as F), ctx)) as FilterQuery<T>;
      if (args.orderBy) cfg.assertOrder?.(args.orderBy.field, args.filter ?? ({} as F), ctx);
      const dir = args.orderBy?.direction === SortDirection.DESC ? 'desc' : 'asc';
      const orderBy = (args.orderBy ? { [cfg.orderProperty[args.orderBy.field]]: dir, id: dir } : { id: 'asc' }) as QueryOrderMap<T>;
      const connection = await listConnection(ctx, cfg.entity, where, orderBy, args, info);
      await logPersonalQuery(
        ctx,
        where,
        args.filter ?? ({} as F),
        args.orderBy?.field,
        connection.edges.map((e) => e.node),
      );
      return connection;
    }

    // Priced on the field itself: a whole list in one answer, whatever its selection (shared/query-limits.ts).
    @Extensions({ cost: EXPORT_COST })
    @Query(() => String, {
      nullable: true,
      name: `${cfg.listName}Csv`,
      description: `The ${cfg.listName} list as CSV (header row first): same filter, scope and masking as \`${cfg.listName}\`, up to ${MAX_EXPORT_ROWS} rows.`,
      // Kept for 0.x clients: the whole file in one JSON string, built in memory. Downloads stream instead.
      deprecationReason: `Download GET /export/${cfg.listName}.csv instead: streamed, compressed, any length, same layout.`,
    })
    async exportCsv(
      @Arg('filter', () => cfg.filterInput, { nullable: true }) filter: F | null,
      @Arg('orderBy', () => Order, { nullable: true }) orderBy: Order | null,
      @Ctx() ctx: Context,
    ) {
      const f = filter ?? ({} as F);
      const where = (await cfg.where(f, ctx)) as FilterQuery<T>;
      if (orderBy) cfg.assertOrder?.(orderBy.field, f, ctx);
      const dir = orderBy?.direction === SortDirection.DESC ? 'desc' : 'asc';
      const order = (orderBy ? { [cfg.orderProperty[orderBy.field]]: dir, id: dir } : { id: 'asc' }) as QueryOrderMap<T>;
      const total = await ctx.em.count(cfg.entity, where);
      if (total > MAX_EXPORT_ROWS) throw badUserInput(`${total} rows match; narrow the filter to at most ${MAX_EXPORT_ROWS}.`, 'filter');
      // Page by page, pausing between pages: hydrating many thousands of rows at once would hold the event loop.
      const rows: T[] = [];
      const pacer = new Pacer();
      for (let offset = 0; offset < total; offset += EXPORT_PAGE) {
        rows.push(...(await ctx.em.find(cfg.entity, where, { orderBy: order, limit: EXPORT_PAGE, offset })));
        await pacer.tick();
      }
      await logPersonalQuery(ctx, where, f, orderBy?.field, rows);
      return toCsv(ctx, name, cfg.csvColumns, rows);
    }

    @Mutation(() => cfg.entity, { nullable: true, name: `create${name}` })
    async create(@Arg('input', () => cfg.createInput) input: C, @Ctx() ctx: Context): Promise<T> {
      const row = await cfg.create(input, ctx);
      row.ownerMinistry = ctx.em.getReference(Ministry, requireOwnMinistry(ctx)) as never;
      ctx.em.persist(row);
      await flushOrExplain(ctx);
      return row;
    }

    @Mutation(() => cfg.entity, {
      nullable: true,
      name: `update${name}`,
      description: 'Only fields present in the input change; send expectedVersion to refuse a stale edit.',
    })
    async update(@Arg('input', () => cfg.updateInput) input: U, @Ctx() ctx: Context): Promise<T> {
      const apply = async (row: T) => {
        if (input.expectedVersion != null && input.expectedVersion !== row.version) {
          throw conflict(`The record is at version ${row.version}, not ${input.expectedVersion}: read it again.`, 'input.expectedVersion');
        }
        await cfg.update(row, input, ctx);
      };
      // Plainly where it can (row-update.ts): the same rules, statement and audit record, without the unit of work.
      const id = fromGlobalId(input.id, name, 'input.id');
      const plain = await updatePlainly(ctx, cfg.entity, id, 'input.id', apply).catch((e: unknown) => {
        throw explainWriteError(e);
      });
      if (plain) {
        // Only when the rules loaded or made entities of their own, which they could have changed.
        const uow = ctx.em.getUnitOfWork();
        if (uow.getIdentityMap().keys().length || uow.getPersistStack().size) await flushOrExplain(ctx);
        return plain;
      }
      const row = await loadWritable(ctx, cfg.entity, input.id, 'input.id');
      await apply(row);
      await flushOrExplain(ctx);
      return row;
    }

    @Mutation(() => DeletePayload, { nullable: true, name: `delete${name}` })
    async remove(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<DeletePayload> {
      const row = await loadWritable(ctx, cfg.entity, id, 'id');
      ctx.em.remove(row);
      await flushOrExplain(ctx);
      return { deletedId: toGlobalId(name, row.id) };
    }

    @FieldResolver(() => Ministry, { description: 'The ministry that owns this record.' })
    ownerMinistry(@Root() row: T, @Ctx() ctx: Context) {
      return ctx.loaders.byId(Ministry).load(row.ownerMinistry.id);
    }
  }
  return OwnedCrudResolver;
}

/** Copies the fields present in `input` onto `row` (undefined = not sent, null = clear). */
export function assignPresent<T extends object>(row: T, input: object, skip: readonly string[] = ['id', 'expectedVersion']): void {
  for (const [key, value] of Object.entries(input)) {
    if (value !== undefined && !skip.includes(key)) (row as Record<string, unknown>)[key] = value;
  }
}
