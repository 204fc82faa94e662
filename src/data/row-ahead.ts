/**
 * What a by-id read of one row (`node(id:)`), or a root list's page, reads in
 * its own statement: the columns its selection needs, and the relation pages
 * and counts selected on each row, so records with their children (and their
 * references) are one round trip.
 * Each page is read exactly as its relation field would read it (same
 * arguments, counts, columns and references, in the children's scope) and
 * handed to that field's loader; where the arguments cannot be read here (a
 * field asked twice with different arguments, a bad argument), the field reads
 * its page itself, and reports a bad argument as it always does.
 */
import { getArgumentValues, type FieldNode, type GraphQLField, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { fieldsAt, selects } from '../shared/lookahead';
import { PAGE_ALIAS } from './plain-rows';
import { projection } from './projection';
import { relationPage, type RelationArgs } from './relation-connection';
import { pageReads } from './relations-ahead';
import { registryOf } from './registry';
import type { PageReads, RelationSpec, RowAhead } from './reads';
import type { Loaders } from './loaders';

/** What a read ahead needs of the request. */
type AheadContext = { em: EntityManager; loaders: Loaders };

interface RelationPlan {
  index: number;
  field: string;
  spec: RelationSpec<object>;
  nodes: readonly FieldNode[];
  def: GraphQLField<unknown, unknown>;
  count: boolean;
  page: PageReads | null;
}

/** What does not change between requests of one document: which relations are selected, and how their pages are read. */
const plans = new WeakMap<readonly FieldNode[], Map<string, { id: number; fields: readonly string[] | null; relations: RelationPlan[] }>>();
let planIds = 0;

function planOf(ctx: AheadContext, info: GraphQLResolveInfo, entityName: string, path: readonly string[]) {
  let byType = plans.get(info.fieldNodes);
  if (!byType) plans.set(info.fieldNodes, (byType = new Map()));
  const planKey = `${path.join('.')}:${entityName}`;
  let plan = byType.get(planKey);
  if (plan) return plan;
  const meta = (name: string) => ctx.em.getMetadata().get(name);
  const type = info.schema.getType(entityName) as GraphQLObjectType | undefined;
  const relations: RelationPlan[] = [];
  registryOf(info.schema)
    .childrenOf(entityName)
    .forEach(([field, specOf], index) => {
      const nodes = fieldsAt(info, [...path, field]);
      const def = type?.getFields()[field];
      if (!nodes.length || !def) return;
      const spec = specOf();
      const below = { fieldNodes: nodes, fragments: info.fragments, schema: info.schema };
      // The same reads the relation field computes for itself, so its loader finds the page primed.
      const page = selects(below, ['edges']) || selects(below, ['pageInfo']) ? pageReads(below, spec, meta) : null;
      relations.push({ index, field, spec, nodes, def, count: selects(below, ['totalCount']), page });
    });
  plan = { id: ++planIds, fields: projection(info, [...path], meta(entityName), []), relations };
  byType.set(planKey, plan);
  return plan;
}

/**
 * What the statement reading rows of `entityName` reads besides them, for the
 * rows selected at `path` below the field of `info`: `[]` for a `node(id)`,
 * `['edges', 'node']` for the rows of a root list's page, so that a list, its
 * children's pages and their counts are one statement (issue 11).
 */
export function rowAhead(ctx: AheadContext, info: GraphQLResolveInfo, entityName: string, path: readonly string[] = []): RowAhead {
  const plan = planOf(ctx, info, entityName, path);
  const columns: RowAhead['columns'] = [];
  const takes: ((extras: Record<string, unknown>, id: string) => void)[] = [];
  const keys: string[] = [];
  for (const { index, field, spec, nodes, def, count, page } of plan.relations) {
    if (count) {
      const column = ctx.loaders.countColumn(spec, PAGE_ALIAS, `__nc${index}`);
      if (column) columns.push(column);
      keys.push(`${field}.count`);
      takes.push((extras, id) => ctx.loaders.primeCount(spec, id, column ? Number(extras[column.name]) : 0));
    }
    if (!page) continue;
    let args: { first: number; after: string | null };
    try {
      const given = nodes.map((n) => JSON.stringify(getArgumentValues(def, n, info.variableValues)));
      if (given.some((a) => a !== given[0])) continue;
      args = relationPage(JSON.parse(given[0]) as RelationArgs);
    } catch {
      continue;
    }
    const column = ctx.loaders.pageColumn(spec, args.first, args.after, page, PAGE_ALIAS, `__np${index}`);
    if (!column) continue;
    columns.push(column);
    keys.push(`${field}.page:${args.first}:${args.after}`);
    takes.push((extras, id) => column.take(extras[column.name], id));
  }
  return {
    fields: plan.fields,
    // The plan is the document's; only the arguments vary from one request to the next.
    key: `${plan.id}|${keys.join('|')}`,
    columns,
    take: (extras, id) => takes.forEach((t) => t(extras, id)),
  };
}
