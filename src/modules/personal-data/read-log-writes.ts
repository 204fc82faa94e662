/**
 * Whether an operation may write the personal-data read log: it selects a
 * personal field, exports a resource with personal fields, or filters or
 * sorts by a personal value (the coordinates `personal-paths.ts` lists as
 * masked-or-logged, filter-logged or sort-logged). A query that can do none
 * of these writes nothing, so it may be answered by a read replica; one that
 * can must run on the primary, where its read-log entries commit with it.
 *
 * Decided from the document and the variables' values, before the
 * transaction opens. Conservative where it cannot tell: every operation and
 * fragment in the document is walked, not only the one that will run. A
 * replica's transaction is read-only anyway, so a case missed here fails
 * loudly there, never as a read without its log entry.
 */
import {
  BREAK,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  TypeInfo,
  valueFromASTUntyped,
  visit,
  visitWithTypeInfo,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
} from 'graphql';
import { RESOURCES } from '../index';
import { declaredPaths, PERSONAL_VALUE_PATHS } from './personal-paths';

const LOGGED = new Set(['masked-or-logged', 'filter-logged', 'sort-logged']);

/** `Type.field`, `Input.field` and `Enum.VALUE` coordinates whose use may write the read log. */
function loggedCoordinates(): { exact: Set<string>; suffixed: { suffix: string; field: string }[] } {
  const exact = new Set<string>();
  const suffixed: { suffix: string; field: string }[] = [];
  for (const [key, { treatment }] of Object.entries({ ...declaredPaths(RESOURCES), ...PERSONAL_VALUE_PATHS })) {
    if (!LOGGED.has(treatment)) continue;
    const coordinate = key.replace(/\(.*\)$/, '');
    if (coordinate.startsWith('*')) {
      const [suffix, field] = coordinate.slice(1).split('.');
      suffixed.push({ suffix, field });
    } else exact.add(coordinate);
  }
  return { exact, suffixed };
}

let coordinates: ReturnType<typeof loggedCoordinates> | undefined;

function logged(type: string, member: string): boolean {
  coordinates ??= loggedCoordinates();
  return coordinates.exact.has(`${type}.${member}`) || coordinates.suffixed.some((s) => type.endsWith(s.suffix) && s.field === member);
}

/** Whether a value given for an argument of `type` uses a logged input field or enum value. */
function valueLogs(type: GraphQLInputType, value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (isNonNullType(type)) return valueLogs(type.ofType, value);
  if (isListType(type)) return (Array.isArray(value) ? value : [value]).some((v) => valueLogs(type.ofType, v));
  if (isEnumType(type)) return typeof value === 'string' && logged(type.name, value);
  if (isInputObjectType(type) && typeof value === 'object') {
    const fields = type.getFields();
    return Object.entries(value as Record<string, unknown>).some(
      ([name, v]) => v !== null && v !== undefined && fields[name] && (logged(type.name, name) || valueLogs(fields[name].type, v)),
    );
  }
  return false;
}

/** True when running `document` (with these variables) may write the personal-data read log. */
export function mayWriteReadLog(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}): boolean {
  const typeInfo = new TypeInfo(schema);
  let writes = false;
  visit(
    document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const def = typeInfo.getFieldDef();
        if (!parent || !def) return;
        if (logged(parent.name, def.name)) writes = true;
        for (const arg of node.arguments ?? []) {
          const argDef = def.args.find((a) => a.name === arg.name.value);
          // A variable never given a value is absent, as the executor treats it.
          if (argDef && valueLogs(argDef.type, valueFromASTUntyped(arg.value, variables))) writes = true;
        }
        return writes ? BREAK : undefined;
      },
    }),
  );
  return writes;
}
