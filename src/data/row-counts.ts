/**
 * The total of an unfiltered list from the per-owner row counts the database
 * keeps (migration `row_counts`): a sum over the ministries the caller reads,
 * a few index lookups whatever the size of the table, where `count(*)` read
 * every row in scope.
 */
import type { EntityMetadata } from '@mikro-orm/core';

/** Marks an entity class whose table the database counts per owner (owned-entity.ts sets it; db:resources writes the triggers). */
export const COUNTED = Symbol('rows counted per owner');

const isCounted = (meta: EntityMetadata) => Boolean((meta.class as { [COUNTED]?: boolean } | undefined)?.[COUNTED]);

/**
 * The count of the rows `where` matches as a scalar subquery over the kept
 * counts, its values appended to `params`; null unless `where` is the scope
 * filter alone (`{ ownerMinistry: { $in: ids } }`), the one shape those counts
 * answer.
 */
export function countedTotal(meta: EntityMetadata, where: unknown, params: unknown[]): string | null {
  if (!isCounted(meta) || where == null || typeof where !== 'object') return null;
  const entries = Object.entries(where as Record<string, unknown>);
  if (entries.length !== 1 || entries[0][0] !== 'ownerMinistry') return null;
  const condition = entries[0][1] as Record<string, unknown> | null;
  if (!condition || typeof condition !== 'object' || Object.keys(condition).length !== 1) return null;
  const ids = condition.$in;
  if (!Array.isArray(ids) || !ids.every((id) => typeof id === 'string')) return null;
  if (ids.length === 0) return '0';
  params.push(meta.tableName, ids);
  // `array[?]`: inlined by the ORM as one literal per element, sent by db/prepared.ts as one array parameter.
  return '(select sinergi_row_count(?, array[?]::uuid[]))';
}
