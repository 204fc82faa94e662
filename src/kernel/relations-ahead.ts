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
import type { PageReads, ReferenceAhead, RelationSpec } from './reads';
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
    counts = childRelationsOf(nodeType)
      .filter(([field]) => selects(info, ['edges', 'node', field, 'totalCount']))
      .map(([, spec]) => spec());
    memo.set(info.fieldNodes, counts);
  }
  return counts;
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

const readsMemo = new WeakMap<readonly unknown[], PageReads>();

/**
 * What a relation field's page of `spec` reads, for the selection below the field: computed once per field
 * of a parsed document, so the many rows of a page (and every request of the document) share it.
 */
export function pageReads(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>,
  spec: RelationSpec<object>,
  meta: (name: string) => EntityMetadata,
): PageReads {
  let reads = readsMemo.get(info.fieldNodes);
  if (!reads) {
    const child = spec.entity.name;
    const counts = countsAhead(info, child);
    const fields = projection(info, ['edges', 'node'], meta(child), [spec.parentProperty]);
    const refs = referencesAhead(info, child, meta);
    reads = {
      counts,
      fields,
      refs: refs.refs,
      key: `${counts.map((c) => `${c.entity.name}.${c.parentProperty}`).join(',')}:${fields?.join(',') ?? '*'}:${refs.key}`,
    };
    readsMemo.set(info.fieldNodes, reads);
  }
  return reads;
}
