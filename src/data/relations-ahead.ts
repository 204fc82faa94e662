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
import { registryOf } from './registry';

const memo = new WeakMap<readonly unknown[], RelationSpec<object>[]>();

/** The relations of `nodeType` whose `totalCount` is selected on this connection's `edges.node`, once per field of a document. */
export function countsAhead(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema'>, nodeType: string): RelationSpec<object>[] {
  let counts = memo.get(info.fieldNodes);
  if (!counts) {
    counts = registryOf(info.schema)
      .childrenOf(nodeType)
      .filter(([field]) => selects(info, ['edges', 'node', field, 'totalCount']))
      .map(([, spec]) => spec());
    memo.set(info.fieldNodes, counts);
  }
  return counts;
}

const refMemo = new WeakMap<readonly unknown[], { refs: ReferenceAhead[]; key: string }>();

function referencesAt(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema'>,
  nodeType: string,
  path: readonly string[],
  meta: (name: string) => EntityMetadata,
  depth: number,
): ReferenceAhead[] {
  if (depth > 3) return [];
  const out: ReferenceAhead[] = [];
  for (const [field, target, key] of registryOf(info.schema).referencesOf(nodeType)) {
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
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema'>,
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
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema'>,
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
