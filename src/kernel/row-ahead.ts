/**
 * What a by-id read of one row (`node(id:)`) reads in its own statement: the
 * columns its selection needs, and the relation pages and counts selected on
 * it, so a record with its children (and their references) is one round trip.
 * Each page is read exactly as its relation field would read it (same
 * arguments, counts, columns and references, in the children's scope) and
 * handed to that field's loader; where the arguments cannot be read here (a
 * field asked twice with different arguments, a bad argument), the field reads
 * its page itself, and reports a bad argument as it always does.
 */
import { getArgumentValues, type GraphQLObjectType, type GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context';
import { fieldsAt, selects } from '../shared/lookahead';
import { PAGE_ALIAS } from './plain-rows';
import { projection } from './projection';
import { relationPage, type RelationArgs } from './relation-connection';
import { childRelationsOf, countsAhead, referencesAhead } from './relations-ahead';

export interface RowAhead {
  /** The properties to read (all when null). */
  fields: readonly string[] | null;
  /** Names what is read besides the row, for the loader's key. */
  key: string;
  columns: { name: string; sql: string; params: unknown[] }[];
  /** Hands what the columns read for row `id` to the loaders. */
  take(extras: Record<string, unknown>, id: string): void;
}

export function rowAhead(ctx: Context, info: GraphQLResolveInfo, entityName: string): RowAhead {
  const meta = (name: string) => ctx.em.getMetadata().get(name);
  const columns: RowAhead['columns'] = [];
  const takes: ((extras: Record<string, unknown>, id: string) => void)[] = [];
  const keys: string[] = [];
  const type = info.schema.getType(entityName) as GraphQLObjectType | undefined;
  childRelationsOf(entityName).forEach(([field, specOf], i) => {
    const nodes = fieldsAt(info, [field]);
    const def = type?.getFields()[field];
    if (!nodes.length || !def) return;
    const spec = specOf();
    const below = { fieldNodes: nodes, fragments: info.fragments };
    if (selects(below, ['totalCount'])) {
      const column = ctx.loaders.countColumn(spec, PAGE_ALIAS, `__nc${i}`);
      if (column) columns.push(column);
      keys.push(`${field}.count`);
      takes.push((extras, id) => ctx.loaders.primeCount(spec, id, column ? Number(extras[column.name]) : 0));
    }
    if (!selects(below, ['edges']) && !selects(below, ['pageInfo'])) return;
    let page: { first: number; after: string | null };
    try {
      const args = nodes.map((n) => JSON.stringify(getArgumentValues(def, n, info.variableValues)));
      if (args.some((a) => a !== args[0])) return;
      page = relationPage(JSON.parse(args[0]) as RelationArgs);
    } catch {
      return;
    }
    const child = spec.entity.name;
    const counts = countsAhead(below, child);
    const fields = projection(below, ['edges', 'node'], meta(child), [spec.parentProperty]);
    const refs = referencesAhead(below, child, meta);
    const column = ctx.loaders.pageColumn(spec, page.first, page.after, counts, fields, refs, PAGE_ALIAS, `__np${i}`);
    if (!column) return;
    columns.push(column);
    keys.push(`${field}.page:${page.first}:${page.after}:${counts.map((c) => c.entity.name).join(',')}:${fields?.join(',')}:${refs.key}`);
    takes.push((extras, id) => column.take(extras[column.name], id));
  });
  return {
    fields: projection(info, [], meta(entityName), []),
    key: keys.join('|'),
    columns,
    take: (extras, id) => takes.forEach((t) => t(extras, id)),
  };
}
