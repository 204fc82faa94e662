/**
 * One CSV column layout per resource, for export and import alike, so an
 * export re-imports unchanged: an importable resource's file has exactly its
 * import columns (the references by `externalId`, e.g. `institutionExternalId`)
 * plus `ownerMinistry`, the owner's code, which an import checks is the
 * importer's own. A resource without an import keeps the columns it
 * declares. Cells are written the way an import reads them: `true`/`false`,
 * lists joined by `;`, dates as YYYY-MM-DD, nothing for null.
 */
export const OWNER_COLUMN = 'ownerMinistry';
/** The record's global id: what a downloaded row finds its record again by, with or without an externalId. */
export const ID_COLUMN = 'id';
const REFERENCE_SUFFIX = 'ExternalId';

/** A column naming a related record (`institutionExternalId`, `traineeId`). */
export const isReferenceColumn = (header: string): boolean => header !== ID_COLUMN && (header.endsWith(REFERENCE_SUFFIX) || /[a-z]Id$/.test(header));

/**
 * The relation a column names the related record of, and by what: its `externalId`
 * (`institutionExternalId` → `institution`) or its global id (`traineeId` → `trainee`). `isRelation` says
 * whether the resource has a relation of that name (`externalId` itself is no relation).
 */
export function referenceOf(header: string, isRelation: (field: string) => boolean): { field: string; by: 'externalId' | 'id' } | null {
  for (const [suffix, by] of [
    [REFERENCE_SUFFIX, 'externalId'],
    ['Id', 'id'],
  ] as const) {
    const field = header.endsWith(suffix) ? header.slice(0, -suffix.length) : '';
    if (field && isRelation(field)) return { field, by };
  }
  return null;
}

/** A value as its cell. */
export function formatCell(v: unknown): string | number {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return v.join(';');
  if (v instanceof Date) return v.toISOString();
  return typeof v === 'number' ? v : String(v);
}
