/**
 * The update of one owned row, without the ORM's unit of work.
 *
 * Through the ORM, an update loaded the row into a tracked entity (identity
 * map, reference wrappers, a snapshot), and its flush then compared every
 * managed entity with its snapshot to find the one change: together about a
 * quarter of a one-row mutation's CPU, for a single UPDATE. Here the row is
 * read as a plain row (plain-rows.ts), the module's own `update` rules run on
 * it exactly as on an entity (they read fields and set them), and the fields
 * that differ afterwards are written by the same one-row UPDATE the flush
 * sends (driver.ts: `version` bumped and checked, `updatedAt` stamped), and
 * recorded for the audit event by whoever records the flush's changes: an
 * ORM event subscriber that also implements `RowWriteRecorder` (the audit
 * module's collector; the data layer names no module).
 *
 * Whatever this does not handle plainly goes the ORM's way: entities whose
 * rows are not plain (collections, behaviour of their own), a row the
 * request already holds as an entity (two copies would disagree), a
 * transaction `beginWith` did not open, and an ORM without a recorder (a
 * change must never go unrecorded).
 */
import { ReferenceKind, type EntityMetadata, type EntityProperty } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { getArgumentValues, Kind, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import { execute } from '../db/begin';
import { notWritable, staleVersion } from '../shared/errors';
import { parseGlobalId } from '../shared/global-id';
import type { Scope } from '../access/scope';
import type { OwnedEntity } from './owned.entity';
import { plainShape } from './plain-rows';
import { allColumns } from './where-sql';
import { quote } from '../db/begin';
import { registryOf } from './registry';

type Data = Record<string, unknown>;

/** Records a row change written without a flush, as the flush's own changes are recorded. */
export interface RowWriteRecorder {
  /** `before` and `payload` keyed by property, values as their columns hold them (references by key). */
  recordRowUpdate(em: EntityManager, entityName: string, id: string, before: Data, payload: Data): void;
}

const isRecorder = (s: unknown): s is RowWriteRecorder => typeof (s as Partial<RowWriteRecorder>).recordRowUpdate === 'function';

/** The ORM's recorder of row writes, if it has one (see above). */
function recorderOf(em: EntityManager): RowWriteRecorder | undefined {
  for (const subscriber of em.getEventManager().getSubscribers()) if (isRecorder(subscriber)) return subscriber;
  return undefined;
}

const writable = new WeakMap<EntityMetadata, EntityProperty[]>();

/** The properties an update may change: own columns of one field (not the key, not the version). */
function writableProps(meta: EntityMetadata): EntityProperty[] {
  let props = writable.get(meta);
  if (props) return props;
  props = meta.props.filter(
    (p) =>
      p.fieldNames?.length === 1 &&
      p.persist !== false &&
      !p.formula &&
      !p.primary &&
      !p.version &&
      (p.kind === ReferenceKind.SCALAR || p.kind === ReferenceKind.MANY_TO_ONE || (p.kind === ReferenceKind.ONE_TO_ONE && p.owner)),
  );
  writable.set(meta, props);
  return props;
}

const isReference = (p: EntityProperty) => p.kind !== ReferenceKind.SCALAR;

/** The row an update mutation changes, named before the operation runs (see `rowAheadOf`). */
export interface RowAhead {
  entity: string;
  id: string;
}

/**
 * The row `operation` will update, when it is one declared update mutation
 * with a well-formed id of its entity. The request's BEGIN then reads that
 * row in the same message (`Context.begin`), under the same row-level
 * security, and `updatePlainly` takes it instead of reading it again: one
 * round trip fewer for every edit. Anything else (several root fields, a
 * fragment, an id that is not one, a variable that does not coerce) is left
 * to the resolver, which answers it as always; a row read for a mutation
 * the caller may not run is simply never used.
 */
export function rowAheadOf(schema: GraphQLSchema, operation: OperationDefinitionNode | undefined, variables: Record<string, unknown>): RowAhead | null {
  if (operation?.operation !== 'mutation' || operation.selectionSet.selections.length !== 1) return null;
  const [node] = operation.selectionSet.selections;
  if (node.kind !== Kind.FIELD) return null;
  const entity = registryOf(schema).updatedBy(node.name.value);
  const def = schema.getMutationType()?.getFields()[node.name.value];
  if (!entity || !def) return null;
  try {
    const input = getArgumentValues(def, node, variables).input as { id?: unknown } | undefined;
    const parsed = typeof input?.id === 'string' ? parseGlobalId(input.id) : null;
    return parsed?.type === entity ? { entity, id: parsed.id } : null;
  } catch {
    return null;
  }
}

/** The statement `updatePlainly` reads a row with; `idSql` is `?` or the id as a literal. */
export function rowReadStatement(meta: EntityMetadata, idSql: string): string {
  const pk = (meta.properties as Record<string, EntityProperty>)[meta.primaryKeys[0]].fieldNames[0];
  return `select ${allColumns(meta, 't0')} from ${quote(meta.tableName)} as t0 where t0.${quote(pk)} = ${idSql} limit 1`;
}

/** A property's value as its column holds it: a reference by its key, a custom type converted. */
function columnValue(prop: EntityProperty, value: unknown, em: EntityManager): unknown {
  if (value === null || value === undefined) return null;
  if (isReference(prop)) {
    const key = prop.targetMeta?.primaryKeys[0] ?? 'id';
    return typeof value === 'object' ? (value as Data)[key] : value;
  }
  return prop.customType ? prop.customType.convertToDatabaseValue(value, em.getPlatform(), { mode: 'query-data', key: prop.name }) : value;
}

/** Whether two column values are the same value (dates by time, arrays element by element). */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  return a === b;
}

/** What a plain update needs of the request: its entity manager, its scope, and the row its BEGIN read ahead. */
export interface UpdateContext {
  em: EntityManager;
  scope: Scope;
  takeRowAhead(entity: string, id: string): Record<string, unknown> | null | undefined;
}

/**
 * Loads the row `id` of `entity` plainly, checks the caller may change it (else FORBIDDEN on `field`, as
 * for a missing row), runs `change` on it, and writes what changed. Resolves to the updated row, or to null
 * when the ORM must do it (see above); then nothing was read or written.
 */
export async function updatePlainly<T extends OwnedEntity>(
  ctx: UpdateContext,
  entity: { name: string },
  id: string,
  field: string,
  change: (row: T) => Promise<void>,
): Promise<T | null> {
  const { em } = ctx;
  const meta = em.getMetadata().get(entity.name);
  const shape = plainShape(meta, em.getPlatform());
  const pk = meta.primaryKeys[0];
  const version = meta.versionProperty as string | undefined;
  if (!shape?.fromRow || meta.primaryKeys.length !== 1 || !version) return null;
  const columnOf = (name: string) => (meta.properties as Record<string, EntityProperty>)[name].fieldNames[0];
  if (em.getUnitOfWork().tryGetById(entity.name, { [pk]: id } as never)) return null;
  const trx = em.getTransactionContext();
  const recorder = recorderOf(em);
  if (!trx || !recorder) return null;
  // Row-level security limits the read to the caller's read scope; the write scope is checked below. Read
  // with BEGIN when the request named this row up front (see `rowAheadOf`).
  const ahead = ctx.takeRowAhead(entity.name, id);
  const found = ahead !== undefined ? ahead : (await execute(em, rowReadStatement(meta, '?'), [id]))[0];
  if (!found) throw notWritable(field);
  const row = shape.fromRow(found) as T;
  if (!ctx.scope.canWrite(row.ownerMinistry.id)) throw notWritable(field);
  const data = row as unknown as Data;
  const props = writableProps(meta);
  const before: Data = {};
  for (const p of props) before[p.name] = columnValue(p, data[p.name], em);
  await change(row);
  const payload: Data = {};
  for (const p of props) {
    const value = columnValue(p, data[p.name], em);
    if (!same(before[p.name], value)) payload[p.name] = value;
  }
  if (!Object.keys(payload).length) return row;
  // Stamped as the ORM stamps a changed row (`updatedAt`).
  for (const p of props)
    if (p.onUpdate) {
      data[p.name] = p.onUpdate(row, em);
      payload[p.name] = columnValue(p, data[p.name], em);
    }
  const res = await em.getDriver().nativeUpdate(entity.name, { [pk]: id, [version]: data[version] } as never, payload as never, {
    ctx: trx,
    convertCustomTypes: false,
  });
  // Changed by another transaction since it was read here: as the ORM's optimistic lock answers.
  if (!res.affectedRows) throw staleVersion();
  data[version] = (res.row as Data | undefined)?.[columnOf(version)] ?? (data[version] as number) + 1;
  recorder.recordRowUpdate(em, entity.name, id, before, payload);
  return row;
}
