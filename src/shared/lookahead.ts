/**
 * What a client selected below the field being resolved, read from the
 * operation itself, so a resolver can fetch in its own statement what the
 * levels below will ask for (e.g. each child's `totalCount`) instead of
 * leaving them one more round trip.
 *
 * Aliases, inline fragments and fragment spreads are followed. `@skip` and
 * `@include` are not evaluated: a field they drop is fetched for nothing,
 * never answered wrongly, since what is fetched ahead is only a cache the
 * field's own resolver reads.
 */
import {
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLResolveInfo,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** The fields named `name` directly in `sets`, through fragments. */
function fieldsNamed(
  sets: readonly SelectionSetNode[],
  name: string,
  fragments: Record<string, FragmentDefinitionNode>,
  seen = new Set<string>(),
): FieldNode[] {
  const out: FieldNode[] = [];
  for (const set of sets) {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        if (s.name.value === name) out.push(s);
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        out.push(...fieldsNamed([s.selectionSet], name, fragments, seen));
      } else if (!seen.has(s.name.value) && fragments[s.name.value]) {
        // A spread repeated (or cycling, in an invalid document) is read once.
        seen.add(s.name.value);
        out.push(...fieldsNamed([fragments[s.name.value].selectionSet], name, fragments, seen));
      }
    }
  }
  return out;
}

/**
 * The root fields an operation selects, aliased, in inline fragments or behind fragment spreads alike (each
 * name once): what the server decides before running it (a login's turn, an import's budget) must not be
 * dodged by wrapping the field in a fragment.
 */
export function rootFields(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const fragments = Object.fromEntries(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d]] : [])));
  const names = new Set<string>();
  const visit = (set: SelectionSetNode, seen: Set<string>) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet, seen);
      else if (!seen.has(s.name.value) && fragments[s.name.value]) {
        seen.add(s.name.value);
        visit(fragments[s.name.value].selectionSet, seen);
      }
    }
  };
  visit(operation.selectionSet, new Set());
  return [...names];
}

/** Whether the operation selects the root field `name` (see `rootFields`). */
export const rootSelects = (operation: OperationDefinitionNode, document: DocumentNode, name: string) => rootFields(operation, document).includes(name);

const memo = new WeakMap<readonly FieldNode[], Map<string, boolean>>();

/**
 * Whether the path of field names below the current field is selected, e.g.
 * `selects(info, ['edges', 'node', 'enrollments', 'totalCount'])`. Memoised
 * per field of a parsed document (graphql-js and graphql-jit hand every row of
 * a list the same `fieldNodes`), so a page of rows asks once.
 */
export function selects(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): boolean {
  let known = memo.get(info.fieldNodes);
  if (!known) memo.set(info.fieldNodes, (known = new Map()));
  const key = path.join('.');
  let answer = known.get(key);
  if (answer === undefined) {
    answer = fieldsAt(info, path).length > 0;
    known.set(key, answer);
  }
  return answer;
}

/** The fields at `path` below the current field: those a selection there is made of. */
export function fieldsAt(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): readonly FieldNode[] {
  let fields: readonly FieldNode[] = info.fieldNodes;
  for (const name of path) fields = fieldsNamed(setsOf(fields), name, info.fragments);
  return fields;
}

const setsOf = (fields: readonly FieldNode[]) => fields.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));

/** Every field name selected in the selection of the fields at `path` (through fragments), or null when nothing is selected there. */
export function selectedFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: readonly string[]): string[] | null {
  const at = fieldsAt(info, path);
  if (!at.length) return null;
  const names = new Set<string>();
  const visit = (sets: readonly SelectionSetNode[], seen: Set<string>) => {
    for (const set of sets)
      for (const s of set.selections) {
        if (s.kind === Kind.FIELD) names.add(s.name.value);
        else if (s.kind === Kind.INLINE_FRAGMENT) visit([s.selectionSet], seen);
        else if (!seen.has(s.name.value) && info.fragments[s.name.value]) {
          seen.add(s.name.value);
          visit([info.fragments[s.name.value].selectionSet], seen);
        }
      }
  };
  visit(setsOf(at), new Set());
  return [...names];
}
