/**
 * What a query asks for below a page of rows that the statement reading the
 * page can read too (see Loaders.page and list.ts), so a level of the
 * response costs no extra round trip:
 * - each child relation's `totalCount`, counted per row;
 * - the rows each many-to-one reference points to (and theirs, below),
 *   joined, with only the columns their selection needs.
 */
import type { EntityMetadata } from '@mikro-orm/core';
import type { GraphQLResolveInfo } from 'graphql';
import { selects, selectedFields } from '../shared/lookahead';
import type { RelationSpec } from './loaders';
import { projection } from './projection';

/** The one-to-many relations of each resource, by entity name (filled as the resources are declared). */
const childRelations = new Map<string, readonly [field: string, spec: () => RelationSpec<object>][]>();

export function childRelationsOf(entityName: string): readonly [field: string, spec: () => RelationSpec<object>][] {
  return childRelations.get(entityName) ?? [];
}

export function registerChildren(entityName: string, relations: readonly [string, () => RelationSpec<object>][]): void {
  childRelations.set(entityName, relations);
}

const memo = new WeakMap<readonly unknown[], RelationSpec<object>[]>();

/** The relations of `nodeType` whose `totalCount` is selected on this connection's `edges.node`, once per field of a document. */
export function countsAhead(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, nodeType: string): RelationSpec<object>[] {
  let counts = memo.get(info.fieldNodes);
  if (!counts) {
    counts = (childRelations.get(nodeType) ?? []).filter(([field]) => selects(info, ['edges', 'node', field, 'totalCount'])).map(([, spec]) => spec());
    memo.set(info.fieldNodes, counts);
  }
  return counts;
}

/** A reference read with the page: the row `key` of the parent points to, of `entity`, with `fields` (all when null). */
export interface ReferenceAhead {
  entity: string;
  key: string;
  fields: readonly string[] | null;
  below: readonly ReferenceAhead[];
}

/** The many-to-one references of each resource: field → target entity name and the property holding the key. */
const references = new Map<string, readonly [field: string, target: () => string, key: string][]>();

export function registerReferences(entityName: string, refs: readonly [string, () => string, string][]): void {
  references.set(entityName, refs);
}

const refMemo = new WeakMap<readonly unknown[], { refs: ReferenceAhead[]; key: string }>();

function referencesAt(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
  nodeType: string,
  path: readonly string[],
  meta: (name: string) => EntityMetadata,
  depth: number,
): ReferenceAhead[] {
  if (depth > 3) return [];
  const out: ReferenceAhead[] = [];
  for (const [field, target, key] of references.get(nodeType) ?? []) {
    const at = [...path, field];
    if (!selectedFields(info, at)) continue;
    const entity = target();
    out.push({ entity, key, fields: projection(info, at, meta(entity), []), below: referencesAt(info, entity, at, meta, depth + 1) });
  }
  return out;
}

/**
 * The references selected on this connection's `edges.node` (and below them), once per field of a document;
 * `key` names the plan, for the loader that reads it.
 */
export function referencesAhead(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
  nodeType: string,
  meta: (name: string) => EntityMetadata,
): { refs: readonly ReferenceAhead[]; key: string } {
  let known = refMemo.get(info.fieldNodes);
  if (!known) {
    const refs = referencesAt(info, nodeType, ['edges', 'node'], meta, 0);
    known = { refs, key: JSON.stringify(refs) };
    refMemo.set(info.fieldNodes, known);
  }
  return known;
}
