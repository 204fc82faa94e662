import type { FilterQuery } from '@mikro-orm/core';
import type { ClassType } from 'type-graphql';
import { naming } from './naming';
import { badUserInput, forbidden } from '../shared/errors';
import type { Context } from '../context';
import type { OwnedEntity } from '../data/owned.entity';
import { present } from '../shared/present';

/** The read log of a caller that may read personal data in full: only ministry staff may. */
const readLog = (ctx: Context) => present(ctx.personalLog, 'the read log of a ministry caller');

/** The name of a resource that declares personal fields. */
type PersonalResource = string;

/**
 * The value of a personal field as this caller may see it: in full for the
 * owner ministry or under a clause that includes personal data (logged before
 * it is returned), masked for everyone else who can see the row. Synchronous
 * unless a read is logged: a page of a thousand rows should not cost a
 * thousand promises per field.
 */
export function personalValue(
  ctx: Context,
  resource: PersonalResource,
  row: OwnedEntity,
  field: string,
  value: string | null | undefined,
  masker: (v: string) => string,
): string | null | Promise<string | null> {
  if (value === null || value === undefined) return null;
  const access = ctx.scope.personalAccess(resource, row.ownerMinistry.id);
  if (!access.full) return masker(value);
  if (!access.grant) return value;
  return readLog(ctx)
    .record({ resourceType: naming.clauseType(resource), recordId: row.id, ownerMinistryId: row.ownerMinistry.id, grant: access.grant, field })
    .then(() => value);
}

/**
 * Filtering or sorting by a personal field would reveal values the caller
 * sees masked ("is there a row with NIK X?"), so it is refused unless every
 * ministry the query can match is one whose personal data the caller reads in
 * full (its own, or a provider under a clause with personal data).
 */
export function assertPersonalQueryAllowed(ctx: Context, resource: PersonalResource, ownerMinistryId: string | undefined, field: string): void {
  const masked = ctx.scope.maskedMinistries(resource, ownerMinistryId ? [ownerMinistryId] : null);
  if (masked.length > 0) {
    throw forbidden(
      `${field} is personal data you see masked for some of the ministries in your scope; narrow the query with filter.ownerMinistryId to ministries whose personal data you may read.`,
      'personal-data:filter-or-sort',
      field,
    );
  }
}

/** Beyond this many other-ministry rows matched by a personal filter, narrow the filter first. */
export const MAX_LOGGED_MATCHES = 10_000;

/**
 * A filter on a personal field reveals the value of every row it matches
 * ("this NIK is on record at KESDM"), even when only `totalCount` is asked
 * for. So each matched row of another ministry (readable in full under a
 * clause, or the filter would have been refused) is logged as a read of
 * those fields, in the request's transaction, before anything is returned.
 */
export async function logPersonalMatches<T extends OwnedEntity>(
  ctx: Context,
  resource: PersonalResource,
  entity: ClassType<T>,
  where: FilterQuery<T>,
  fields: readonly string[],
): Promise<void> {
  const foreign = ctx.scope.grants.filter((g) => g.includesPersonalData && g.resources.includes(resource)).map((g) => g.providerMinistryId);
  if (fields.length === 0 || foreign.length === 0) return;
  const rows = await ctx.em.find(entity, { $and: [where, { ownerMinistry: { $in: [...new Set(foreign)] } }] } as FilterQuery<T>, {
    fields: ['id', 'ownerMinistry'] as never,
    limit: MAX_LOGGED_MATCHES + 1,
  });
  if (rows.length > MAX_LOGGED_MATCHES)
    throw badUserInput(`The personal-data filter matches over ${MAX_LOGGED_MATCHES} records of other ministries; narrow it.`, 'filter');
  await logPersonalRows(ctx, resource, rows, fields);
}

/** Logs `fields` of each row of another ministry as read in full (e.g. the rows of a page sorted by birth date). */
export async function logPersonalRows(ctx: Context, resource: PersonalResource, rows: readonly OwnedEntity[], fields: readonly string[]): Promise<void> {
  const reads: Promise<true>[] = [];
  for (const row of rows) {
    const access = ctx.scope.personalAccess(resource, row.ownerMinistry.id);
    if (!access.full || !access.grant) continue;
    for (const field of fields)
      reads.push(
        readLog(ctx).record({ resourceType: naming.clauseType(resource), recordId: row.id, ownerMinistryId: row.ownerMinistry.id, grant: access.grant, field }),
      );
  }
  await Promise.all(reads);
}
