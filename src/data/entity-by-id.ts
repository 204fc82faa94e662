/**
 * `em.findOne(entity, { id })` for the row a mutation is about to change: a
 * managed entity, loaded under the same filters (the `scope` filter among
 * them), but with its statement written by where-sql.ts instead of the ORM's
 * QueryBuilder — building that was a tenth of a mutation's CPU time. Whatever
 * this does not handle plainly (lazy, eager or computed properties, filters
 * beyond plain comparisons, a row already in the identity map) goes to
 * `em.findOne` itself.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { EntityMetadata } from '@mikro-orm/core';
import { allColumns, whereSql } from './where-sql';
import { quote } from '../db/begin';
import { execute } from '../db/begin';

/** Internals of the EntityManager `findOne` runs first: auto-flush of pending changes, and the filters. */
interface FindInternals {
  tryFlush(entityName: string, options: object): Promise<void>;
  processWhere(entityName: string, where: unknown, options: object, type: 'read'): Promise<unknown>;
}

const simple = new Map<string, boolean>();

/** Whether selecting every mapped column and the hydrator alone make this entity as `findOne` would. */
function loadsPlainly(meta: EntityMetadata): boolean {
  let known = simple.get(meta.className);
  if (known === undefined) {
    known = meta.primaryKeys.length === 1 && !meta.props.some((p) => p.lazy || p.eager || p.formula || p.embedded || p.embeddable);
    simple.set(meta.className, known);
  }
  return known;
}

export async function entityById<T extends object>(em: EntityManager, entity: { name: string } & (new () => T), id: string): Promise<T | null> {
  const meta = em.getMetadata().get(entity.name);
  const pk = meta.primaryKeys[0];
  const where = { [pk]: id };
  if (!loadsPlainly(meta) || em.getUnitOfWork().tryGetById(entity.name, where)) return em.findOne(entity, where as never);
  const internals = em as unknown as FindInternals;
  await internals.tryFlush(entity.name, {});
  const params: unknown[] = [];
  const condition = whereSql(meta, await internals.processWhere(entity.name, where, {}, 'read'), 't0', params);
  if (condition === null) return em.findOne(entity, where as never);
  const [row] = await execute(em, `select ${allColumns(meta, 't0')} from ${quote(meta.tableName)} as t0 where ${condition} limit 1`, params);
  if (!row) return null;
  const loaded = em.getEntityFactory().create(entity.name, em.getDriver().mapResult(row, meta) as never, { merge: true, convertCustomTypes: true });
  await em.getUnitOfWork().dispatchOnLoadEvent();
  return loaded as T;
}
