/**
 * Trusted documents (issue 32, item 2): the GraphQL documents a client app was built with, registered by its
 * ministry's ADMIN. Each is checked once, here, at registration — parsed, validated against the served schema
 * with the same limits as any request (depth, aliases, directives), and priced by the same cost rule — so a
 * document that could never run is refused when it is registered, not when the app first sends it. Its id
 * is `sha256:<hex>` of its exact text (the GraphQL-over-HTTP persisted-documents form), computed here and
 * checked again by the database.
 */
import {
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isScalarType,
  Kind,
  parse,
  typeFromAST,
  validate,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';
import { AppError, badUserInput } from '../../shared/errors';
import { assertComplexity, REQUEST_LIMITS } from '../../shared/query-limits';
import { documentIdOf } from './credentials';

/** A manifest is an app's own operations: a few hundred at most. */
export const MAX_DOCUMENTS = 2_000;

export interface CheckedDocument {
  id: string;
  body: string;
  /** The name of its operation, or of its first one when it has several. */
  operationName: string | null;
  /** The highest cost of its operations, with their variables' defaults. */
  cost: number;
}

/** A value of `type` that coerces: the least a required variable can be, so that an operation is priced before anyone sends it. */
function placeholder(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return placeholder(type.ofType);
  if (isListType(type)) return [];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type))
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, placeholder(f.type)]),
    );
  if (isScalarType(type)) return { Int: 0, Float: 0, Boolean: false }[type.name] ?? PLACEHOLDER_TEXT[type.name] ?? '';
  return null;
}
/** Scalars whose empty text does not coerce. */
const PLACEHOLDER_TEXT: Record<string, string> = {
  Date: '2026-01-01',
  LocalDate: '2026-01-01',
  DateTimeISO: '2026-01-01T00:00:00Z',
  DateTime: '2026-01-01T00:00:00Z',
};

/** Values for the variables an operation requires and gives no default: pages then price at their default size. */
function requiredVariables(schema: GraphQLSchema, op: OperationDefinitionNode): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const v of op.variableDefinitions ?? []) {
    const type = typeFromAST(schema, v.type as never) as GraphQLInputType | undefined;
    if (type && isNonNullType(type) && !v.defaultValue) out[v.variable.name.value] = placeholder(type);
  }
  return out;
}

/**
 * Each document checked as a request would be — `rules` are the ones every request is validated with
 * (shared/query-limits.ts, requestRules) — or BAD_USER_INPUT naming `documents[i]` and why.
 */
export function checkDocuments(schema: GraphQLSchema, bodies: readonly string[], rules: readonly ValidationRule[]): CheckedDocument[] {
  if (bodies.length > MAX_DOCUMENTS) throw badUserInput(`At most ${MAX_DOCUMENTS} documents per app.`, 'documents');
  const byId = new Map<string, CheckedDocument>();
  bodies.forEach((body, i) => {
    const field = `documents.${i}`;
    if (body.length > REQUEST_LIMITS.authenticated.documentChars)
      throw badUserInput(`${field}: longer than a request may send (${REQUEST_LIMITS.authenticated.documentChars} characters).`, field);
    let document: DocumentNode;
    try {
      document = parse(body);
    } catch (e) {
      throw badUserInput(`${field}: not GraphQL: ${(e as GraphQLError).message}`, field);
    }
    const errors = validate(schema, document, rules);
    if (errors.length) throw badUserInput(`${field}: ${errors[0].message}`, field);
    const operations = document.definitions.flatMap((d) => (d.kind === Kind.OPERATION_DEFINITION ? [d] : []));
    if (!operations.length) throw badUserInput(`${field}: has no operation.`, field);
    let cost = 0;
    for (const op of operations) {
      try {
        cost = Math.max(cost, assertComplexity(schema, document, requiredVariables(schema, op), op.name?.value));
      } catch (e) {
        if (e instanceof AppError || e instanceof GraphQLError) throw badUserInput(`${field}: ${e.message}`, field);
        throw e;
      }
    }
    const id = documentIdOf(body);
    byId.set(id, { id, body, operationName: operations[0].name?.value ?? null, cost });
  });
  return [...byId.values()];
}
