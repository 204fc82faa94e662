/**
 * Writes src/operations.graphql and src/schema-facts.ts from the API's schema
 * (../../schema/schema.graphql): one operation per root field, and fragments
 * per type. `npm run generate` then runs codegen over them.
 *
 * - `<Type>Fields` selects a type's own fields: scalars and enums, `__typename`
 *   and `id` (so Apollo's cache normalises records), and for a field that is
 *   another record only `{ __typename id }` (a payload such as `LoginPayload`
 *   selects the whole record). Personal data is left out: it is
 *   in `<Type>PersonalFields`, which a client spreads only where it needs it,
 *   because every full read of another ministry's personal data is logged.
 * - Lists inside a record (relation connections, fields with required
 *   arguments) are left to the client's own queries: selecting them for every
 *   row would fetch far more than a screen shows.
 * - `<Type>ConnectionFields` selects a page: edges with cursors, page info
 *   and the total.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInterfaceType,
  isLeafType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';

const root = path.resolve(__dirname, '..');
export const SCHEMA_PATH = path.resolve(root, '../../schema/schema.graphql');
const PAGING = new Set(['first', 'after', 'last', 'before']);

const isPersonal = (f: GraphQLField<unknown, unknown>) => /Personal data:/.test(f.description ?? '');
const isRecord = (t: GraphQLObjectType) => 'id' in t.getFields();
const hasRequiredArgs = (f: GraphQLField<unknown, unknown>) => f.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined);
const isConnection = (t: unknown): boolean => isObjectType(t) && t.name.endsWith('Connection');

function fragments(schema: GraphQLSchema): Map<string, string> {
  const out = new Map<string, string>();
  const fieldsOf = (type: GraphQLObjectType): string => {
    const name = `${type.name}Fields`;
    if (out.has(name)) return name;
    out.set(name, ''); // taken: a cycle selects the spread, which is defined once
    const lines = ['__typename'];
    for (const f of Object.values(type.getFields())) {
      if (isPersonal(f) || hasRequiredArgs(f)) continue;
      const target = getNamedType(f.type);
      if (isLeafType(target)) lines.push(f.name);
      else if (isConnection(target)) {
        if (!isRecord(type)) lines.push(`${f.name} { ...${connectionOf(target as GraphQLObjectType)} }`);
      } else if (isObjectType(target)) {
        // A record inside a record: its reference (the cache has or fetches the rest). Inside a payload: all of it.
        lines.push(isRecord(target) && isRecord(type) ? `${f.name} { __typename id }` : `${f.name} { ...${fieldsOf(target)} }`);
      }
    }
    out.set(name, `fragment ${name} on ${type.name} {\n  ${lines.join('\n  ')}\n}`);
    const personal = Object.values(type.getFields()).filter(isPersonal);
    if (personal.length) {
      out.set(
        `${type.name}PersonalFields`,
        `fragment ${type.name}PersonalFields on ${type.name} {\n  __typename\n  id\n  ${personal.map((f) => f.name).join('\n  ')}\n}`,
      );
    }
    return name;
  };
  const connectionOf = (type: GraphQLObjectType): string => {
    const name = `${type.name}Fields`;
    if (out.has(name)) return name;
    const node = getNamedType(type.getFields().edges.type) as GraphQLObjectType;
    const nodeType = getNamedType(node.getFields().node.type) as GraphQLObjectType;
    const page = fieldsOf(schema.getType('PageInfo') as GraphQLObjectType);
    out.set(
      name,
      `fragment ${name} on ${type.name} {\n  edges {\n    cursor\n    node {\n      ...${fieldsOf(nodeType)}\n    }\n  }\n  pageInfo {\n    ...${page}\n  }\n  totalCount\n}`,
    );
    return name;
  };
  for (const type of Object.values(schema.getTypeMap())) {
    const root = type === schema.getQueryType() || type === schema.getMutationType() || type === schema.getSubscriptionType();
    if (!isObjectType(type) || type.name.startsWith('__') || root) continue;
    if (isConnection(type)) connectionOf(type);
    else if (!type.name.endsWith('Edge')) fieldsOf(type);
  }
  return out;
}

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function variable(arg: GraphQLArgument): string {
  // An argument with a default may be left out, so its variable is nullable.
  const type = arg.defaultValue !== undefined && isNonNullType(arg.type) ? arg.type.ofType : arg.type;
  return `$${arg.name}: ${String(type)}`;
}

function selection(schema: GraphQLSchema, field: GraphQLField<unknown, unknown>): string {
  const target = getNamedType(field.type);
  if (isLeafType(target)) return '';
  // Same-named fields of different types (every `status`) may not share one selection: `node` alone says
  // what an id is, and one `<Type>Node` operation per implementation reads it as that type.
  if (isInterfaceType(target)) return ' {\n    __typename\n    id\n  }';
  return ` {\n    ...${target.name}Fields\n  }`;
}

export function operations(schema: GraphQLSchema): string {
  const frags = fragments(schema);
  const ops: string[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {}).sort((a, b) => a.name.localeCompare(b.name))) {
      const vars = field.args.length ? `(${field.args.map(variable).join(', ')})` : '';
      const args = field.args.length ? `(${field.args.map((a) => `${a.name}: $${a.name}`).join(', ')})` : '';
      ops.push(`${kind} ${pascal(field.name)}${vars} {\n  ${field.name}${args}${selection(schema, field)}\n}`);
      const target = getNamedType(field.type);
      if (kind === 'query' && isInterfaceType(target)) {
        for (const impl of schema.getPossibleTypes(target)) {
          ops.push(
            `query ${impl.name}${pascal(field.name)}${vars} {\n  ${field.name}${args} {\n    ... on ${impl.name} {\n      ...${impl.name}Fields\n    }\n  }\n}`,
          );
        }
      }
    }
  }
  const fragmentText = [...frags.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, text]) => text);
  return `# Generated by \`npm run generate\` from schema/schema.graphql. Do not edit.\n\n${[...ops, ...fragmentText].join('\n\n')}\n`;
}

/** What the Apollo cache needs to know of the schema: Node's implementations, and the paginated fields with their key arguments. */
export function schemaFacts(schema: GraphQLSchema): string {
  const node = schema.getType('Node');
  const possibleTypes = isInterfaceType(node)
    ? {
        Node: schema
          .getPossibleTypes(node)
          .map((t) => t.name)
          .sort(),
      }
    : {};
  const paginated: Record<string, Record<string, string[]>> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__') || type === schema.getMutationType()) continue;
    for (const f of Object.values(type.getFields())) {
      if (!isConnection(getNamedType(f.type))) continue;
      (paginated[type.name] ??= {})[f.name] = f.args
        .map((a) => a.name)
        .filter((a) => !PAGING.has(a))
        .sort();
    }
  }
  const keyFields: Record<string, string[]> = {};
  for (const type of Object.values(schema.getTypeMap())) {
    if (isObjectType(type) && !type.name.startsWith('__') && !isRecord(type) && 'code' in type.getFields() && !isEnumType(type))
      keyFields[type.name] = ['code'];
  }
  return `/* Generated by \`npm run generate\` from schema/schema.graphql. Do not edit. */

/** The types implementing \`Node\`, for the cache's fragment matching. */
export const possibleTypes: Record<string, string[]> = ${JSON.stringify(possibleTypes, null, 2)};

/** Every paginated (connection) field, by type, with the arguments that tell its lists apart (all but the page arguments). */
export const paginatedFields: Record<string, Record<string, string[]>> = ${JSON.stringify(paginated, null, 2)};

/** Types without an \`id\` that a code identifies. */
export const keyFields: Record<string, string[]> = ${JSON.stringify(keyFields, null, 2)};
`;
}

export function loadSchema(): GraphQLSchema {
  return buildSchema(readFileSync(SCHEMA_PATH, 'utf8'));
}

if (require.main === module) {
  const schema = loadSchema();
  writeFileSync(path.join(root, 'src/operations.graphql'), operations(schema));
  writeFileSync(path.join(root, 'src/schema-facts.ts'), schemaFacts(schema));
  console.log('wrote src/operations.graphql and src/schema-facts.ts');
}
