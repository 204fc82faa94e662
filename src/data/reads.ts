/**
 * The shapes of what a read reads — a relation, a page's extras, a row read
 * ahead — shared by the loaders and by what plans their statements
 * (relations-ahead.ts, row-ahead.ts), so neither imports the other.
 */
import type { EntityName } from '@mikro-orm/core';
import type { ScopedResource } from '../access/scope';

export interface RelationSpec<T> {
  entity: EntityName<T> & { name: string };
  /** Property on the child that points to the parent. */
  parentProperty: string;
  /** Scope applied to the children; omit for rows readable through their parent (MoU parties, clauses). */
  resource?: ScopedResource;
}

/** A reference read with the page: the row `key` of the parent points to, of `entity`, with `fields` (all when null). */
export interface ReferenceAhead {
  entity: string;
  key: string;
  fields: readonly string[] | null;
  below: readonly ReferenceAhead[];
}

/** Everything a relation page reads besides its rows' own columns, and the part of its loader's key that names it. */
export interface PageReads {
  /** Relations of the children whose `totalCount` is selected: counted per row. */
  counts: readonly RelationSpec<object>[];
  /** The children's properties the query needs (see projection.ts), all when null. */
  fields: readonly string[] | null;
  /** References of the children, joined. */
  refs: readonly ReferenceAhead[];
  key: string;
}

/** A page that reads only its rows, every column (a mutation's, or one asked without resolve info). */
export const READ_ROWS_ONLY: PageReads = { counts: [], fields: null, refs: [], key: '' };

export interface RowAhead {
  /** The properties to read (all when null). */
  fields: readonly string[] | null;
  /** Names what is read besides the row, for the loader's key. */
  key: string;
  columns: { name: string; sql: string; params: unknown[] }[];
  /** Hands what the columns read for row `id` to the loaders. */
  take(extras: Record<string, unknown>, id: string): void;
}
