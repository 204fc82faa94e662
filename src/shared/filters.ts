/** Helpers shared by the modules' list filters. */
import { fromGlobalId } from './global-id';
import { likePattern } from './pagination';

/** Drops undefined entries so an omitted filter field constrains nothing. */
export function compact<T extends Record<string, unknown>>(where: T): Partial<T> {
  return Object.fromEntries(Object.entries(where).filter(([, v]) => v !== undefined && v !== null)) as Partial<T>;
}

export const ministryFilter = (globalId: string | undefined, field = 'filter.ownerMinistryId') =>
  globalId ? fromGlobalId(globalId, 'Ministry', field) : undefined;

export const searchFilter = (text: string | undefined) => (text ? { $ilike: likePattern(text) } : undefined);
