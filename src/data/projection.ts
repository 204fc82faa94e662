/**
 * Which columns a query needs of the rows it lists: only those, as
 * PostGraphile selects them, instead of every column of the table. Reading
 * and converting columns nobody asked for (timestamps, addresses, e-mails)
 * was a third of a long list's cost.
 *
 * A selected field needs the properties it reads: a plain field its own
 * property; a field the resources declare (personal fields, references,
 * relations) what the declaration says it reads; `id` the primary key. A
 * field whose reads are not known — a module's own field resolver, a getter
 * — makes the page read every column, so a new resolver can never be handed
 * a row without the data it reads. The primary key, the owner (masking and
 * read logging decide by it) and whatever the caller adds (sort keys, the
 * parent key) are always read.
 */
import { ReferenceKind, type EntityMetadata } from '@mikro-orm/core';
import type { GraphQLResolveInfo } from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { selectedFields } from '../shared/lookahead';
import { registryOf, type Registry } from './registry';

let resolved: Set<string> | undefined;
/** `Entity.field` of every field type-graphql resolves with code (class methods and field resolvers), read once the schema is built. */
function resolvedByCode(): Set<string> {
  if (!resolved) {
    resolved = new Set();
    for (const r of getMetadataStorage().fieldResolvers) {
      const type = r.kind === 'internal' ? r.target : r.getObjectType?.();
      if (type) resolved.add(`${type.name}.${r.schemaName}`);
    }
  }
  return resolved;
}

/** The properties `field` reads of an entity's row, or null when that is not known. */
function readsOf(registry: Registry, meta: EntityMetadata, field: string): readonly string[] | null {
  if (field === '__typename') return [];
  const declared = registry.readsOf(meta.className, field);
  if (declared) return declared;
  // The Node interface's `id` is the global id of the primary key.
  if (field === 'id') return meta.primaryKeys;
  if (resolvedByCode().has(`${meta.className}.${field}`)) return null;
  const prop = meta.properties[field as keyof typeof meta.properties];
  if (!prop || prop.persist === false || prop.formula) return null;
  if (prop.kind === ReferenceKind.SCALAR || prop.kind === ReferenceKind.MANY_TO_ONE || (prop.kind === ReferenceKind.ONE_TO_ONE && prop.owner)) return [field];
  return null;
}

const memo = new WeakMap<readonly unknown[], Map<string, readonly string[] | null>>();

/**
 * The properties to read of `meta`'s rows for the fields selected at `path`
 * below the current field, plus `always`; null means every column. Memoised
 * per field of a parsed document.
 */
export function projection(
  info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments' | 'schema'>,
  path: readonly string[],
  meta: EntityMetadata,
  always: readonly string[],
): readonly string[] | null {
  let known = memo.get(info.fieldNodes);
  if (!known) memo.set(info.fieldNodes, (known = new Map()));
  const key = `${path.join('.')}|${always.join(',')}`;
  if (known.has(key)) return known.get(key) ?? null;
  const props = new Set<string>([...meta.primaryKeys, ...always]);
  if ('ownerMinistry' in meta.properties) props.add('ownerMinistry');
  let answer: readonly string[] | null = null;
  const fields = selectedFields(info, path);
  const registry = registryOf(info.schema);
  if (fields) {
    answer = [];
    for (const field of fields) {
      const reads = readsOf(registry, meta, field);
      if (!reads) {
        answer = null;
        break;
      }
      for (const p of reads) props.add(p);
    }
    if (answer) answer = [...props].sort();
  }
  known.set(key, answer);
  return answer;
}
