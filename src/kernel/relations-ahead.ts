/**
 * Which children's `totalCount` a query asks for below a page of rows, so the
 * statement that reads the page counts them too (see Loaders.page and
 * list.ts): a level of the response costs no extra round trip for its counts.
 */
import type { GraphQLResolveInfo } from 'graphql';
import { selects } from '../shared/lookahead';
import type { RelationSpec } from './loaders';

/** The one-to-many relations of each resource, by entity name (filled as the resources are declared). */
const childRelations = new Map<string, readonly [field: string, spec: () => RelationSpec<object>][]>();

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
