/**
 * Limits on what one request may ask for, checked before any of it runs:
 *
 * 1. Before parsing (HTTP layer): the body size, the document's length and
 *    its token count, tighter for anonymous callers, who need little more
 *    than `login`. A 5 MB document is refused without being read as GraphQL.
 * 2. While validating (graphql-armor): depth, aliases and directives, with
 *    fragment cycles handled, and no "Did you mean" suggestions in
 *    production.
 * 3. After validating (graphql-query-complexity): the cost, in which a list
 *    costs its page size times what each item costs, and the fields that do
 *    much work per call (exports, statistics, the access matrix, the audit
 *    walk) cost what they do — so aliases of them add up.
 * 4. While running: a statement timeout and an idle-in-transaction timeout in
 *    PostgreSQL for the request's transaction (its time budget).
 */
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  getNamedType,
  getOperationAST,
  getVariableValues,
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  specifiedRules,
  visit,
  type ASTNode,
  type DocumentNode,
  type GraphQLSchema,
  type ValidationRule,
} from 'graphql';
import { getComplexity, simpleEstimator, type ComplexityEstimator } from 'graphql-query-complexity';
import { AppError, ErrorCode } from './errors';
import { DEFAULT_PAGE, MAX_PAGE } from './pagination';

export const MAX_DEPTH = 20;
export const MAX_ALIASES = 30;
export const MAX_DIRECTIVES = 20;
/** About 100,000 fields: e.g. 1,000 trainees with 100 fields each, or 100 institutions × 100 programmes × 10 fields. */
export const MAX_COMPLEXITY = 100_000;

/** Per caller, before parsing. GraphiQL's introspection query is about 2,000 characters and 170 tokens. */
export const REQUEST_LIMITS = {
  anonymous: { bodyBytes: 32 * 1024, documentChars: 8 * 1024, tokens: 1_000, jsonDepth: 32, jsonContainers: 1_000 },
  // Bulk CSV goes to POST /import/<list>.csv (import-csv.ts): a GraphQL body needs room for inputs, not files.
  authenticated: { bodyBytes: 4 * 1024 * 1024, documentChars: 64 * 1024, tokens: 10_000, jsonDepth: 32, jsonContainers: 50_000 },
} as const;

/**
 * What one call of a field costs beyond its children, for the fields whose
 * work does not show in their selection, declared on the field where it is
 * made (`@Extensions({ cost: FIELD_COST.… })`), so a field added anywhere is
 * priced where it is written: each export reads up to 200,000 rows,
 * `statistics` aggregates the whole scope, `accessMatrix` builds every
 * row × role cell, `verifyAuditLog` walks the whole chain.
 */
export const FIELD_COST = {
  statistics: 20_000,
  verifyAuditLog: 50_000,
  importCsv: 50_000,
  accessMatrix: 5_000,
  explainAccess: 50,
  dataSubjectAccessReport: 200,
} as const;

/**
 * The price of one CSV export field (`<list>Csv`), declared on the field itself where it is made
 * (`@Extensions({ cost })`, resource/owned-crud.ts): every list's export is priced, whichever resource adds one.
 */
export const EXPORT_COST = 40_000;

/** Validation rules and plugins of graphql-armor (depth, aliases, directives). */
export function armor() {
  return new ApolloArmor({
    maxDepth: { n: MAX_DEPTH, ignoreIntrospection: true },
    maxAliases: { n: MAX_ALIASES },
    maxDirectives: { n: MAX_DIRECTIVES },
    // Counted once, before parsing, by assertDocumentSize (the HTTP layer): a second count here would parse every document again.
    maxTokens: { enabled: false },
    // Our own cost rule prices lists by page size; armor's flat one would only double-count.
    costLimit: { enabled: false },
    // Suggestions are taken out where errors are formatted (errors.ts, withoutSuggestions): armor's plugin rewrites
    // each error's message in place, which throws for an error whose message is read-only (a 500), and its pattern
    // missed "Did you mean the enum value …?".
    blockFieldSuggestion: { enabled: false },
  }).protect();
}

/** What a request is refused with where introspection is off (GRAPHQL_INTROSPECTION). */
export const INTROSPECTION_OFF =
  'Introspection is off on this server (GRAPHQL_INTROSPECTION=true turns it on; off by default in production). The schema is published as schema/schema.graphql in the repository.';

/** `__schema` and `__type` refused, as Apollo Server refuses them when its introspection is off. */
const noIntrospection: ValidationRule = (context) => ({
  Field(node) {
    if (node.name.value === '__schema' || node.name.value === '__type') context.reportError(new GraphQLError(INTROSPECTION_OFF, { nodes: [node] }));
  },
});

/**
 * Every rule a request document is validated with: graphql-js's, the limits above, and no introspection
 * where it is off. A document checked ahead of its requests (an app's registered documents) is checked
 * with these, so that it is refused then for whatever would refuse it when sent.
 */
export function requestRules(introspection: boolean): readonly ValidationRule[] {
  return [...specifiedRules, ...armor().validationRules, ...(introspection ? [] : [noIntrospection])];
}

/**
 * Refuses a request document that is too long or has too many tokens for
 * this caller. Tokens are only lexed, and only up to the limit, so the check
 * costs at most that much; the document is parsed once, later, by Apollo.
 */
export function assertDocumentSize(query: unknown, anonymous: boolean): void {
  if (typeof query !== 'string') return;
  const limits = anonymous ? REQUEST_LIMITS.anonymous : REQUEST_LIMITS.authenticated;
  const who = anonymous ? 'an anonymous caller (log in for more)' : 'one operation';
  if (query.length > limits.documentChars) {
    throw new AppError(ErrorCode.BAD_REQUEST, `The document is ${query.length} characters long; ${who} may send at most ${limits.documentChars}.`, {
      http: { status: 400 },
    });
  }
  let tokens = 0;
  try {
    const lexer = new Lexer(new Source(query));
    while (lexer.advance().kind !== TokenKind.EOF) if (++tokens > limits.tokens) break;
  } catch {
    // A syntax error: the parser reports it in its own words.
    return;
  }
  if (tokens > limits.tokens) {
    throw new AppError(ErrorCode.BAD_REQUEST, `The document has more than ${limits.tokens} tokens, the most ${who} may send.`, { http: { status: 400 } });
  }
}

/** Connections cost their page size (first/last, else the default) times the cost of one edge; heavy fields what they declare. */
const workEstimator: ComplexityEstimator = ({ args, childComplexity, field }) => {
  // A cost declared on the field (FIELD_COST, EXPORT_COST).
  const declared = field.extensions?.cost;
  if (typeof declared === 'number') return declared + childComplexity;
  // By the named type: connections are nullable (partial data), so `Connection!` would miss every one.
  if (!getNamedType(field.type).name.endsWith('Connection')) return undefined;
  const size = typeof args.first === 'number' ? args.first : typeof args.last === 'number' ? args.last : DEFAULT_PAGE;
  // Out-of-range sizes are refused by the argument's own validation, which names the field.
  return 1 + Math.min(Math.max(size, 1), MAX_PAGE) * childComplexity;
};

/**
 * Prices already computed, per parsed document (Apollo hands the same object for the same text) and per
 * operation and the values of the variables the price depends on: page sizes (`first`, `last`) and
 * `@skip`/`@include` conditions. An app's fixed queries and its mutations, whose other variables change
 * on every request, are priced once.
 */
const prices = new WeakMap<DocumentNode, { pricedBy: string[]; byValues: Map<string, number> }>();

/** The variables an operation's price can depend on (see `prices`). */
function pricingVariables(document: DocumentNode): string[] {
  const names = new Set<string>();
  const collect = (node: ASTNode) => visit(node, { Variable: (v) => void names.add(v.name.value) });
  visit(document, {
    Directive: (node) => void collect(node),
    Argument(node) {
      if (node.name.value === 'first' || node.name.value === 'last') collect(node.value);
    },
  });
  return [...names].sort();
}

/** What pricing does first, without the pricing: the variables coerced to their types, or graphql-js's error. */
function coerce(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName?: string): void {
  const operation = getOperationAST(document, operationName);
  if (!operation?.variableDefinitions?.length) return;
  const coerced = getVariableValues(schema, operation.variableDefinitions, variables, { maxErrors: 1 });
  if (coerced.errors) throw coerced.errors[0];
}

/** Refuses an operation that would cost more than MAX_COMPLEXITY; answers its cost otherwise. */
export function assertComplexity(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName?: string): number {
  let complexity: number;
  let known = prices.get(document);
  if (!known) prices.set(document, (known = { pricedBy: pricingVariables(document), byValues: new Map() }));
  const key = JSON.stringify([operationName ?? '', ...known.pricedBy.map((name) => variables[name] ?? null)]);
  const price = known.byValues.get(key);
  try {
    if (price !== undefined) coerce(schema, document, variables, operationName);
    complexity =
      price ?? getComplexity({ schema, query: document, variables, operationName, estimators: [workEstimator, simpleEstimator({ defaultComplexity: 1 })] });
  } catch (e) {
    // Pricing coerces the variables first: a variable of the wrong type is the caller's mistake, said in graphql-js's words.
    if (e instanceof GraphQLError) throw new AppError(ErrorCode.BAD_USER_INPUT, e.message, { http: { status: 400 } });
    throw e;
  }
  // Bounded: page sizes are few, but a client could vary them on purpose.
  if (price === undefined && known.byValues.size < 64) known.byValues.set(key, complexity);
  if (complexity > MAX_COMPLEXITY) {
    throw new AppError(
      ErrorCode.BAD_USER_INPUT,
      `This operation would cost ${complexity} (at most ${MAX_COMPLEXITY}): ask for smaller pages, fewer nested lists, or fewer exports, statistics or matrices at once.`,
      { complexity, maximumComplexity: MAX_COMPLEXITY, http: { status: 400 } },
    );
  }
  return complexity;
}
