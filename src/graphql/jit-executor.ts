/**
 * Executes operations compiled by graphql-jit, behind Apollo Server's gateway
 * executor interface (Apollo Server 4 removed the `executor` option; the
 * gateway interface is how a server executes with something else). Apollo
 * still parses, validates (depth, aliases, our cost rule), runs every plugin
 * (transactions, limits) and formats errors; only execution is replaced.
 *
 * graphql-js interprets the document for every field of every row: on a page
 * of a thousand rows that was a large share of the request. graphql-jit turns
 * a document into a function once, and later requests call it.
 *
 * Only queries whose variables are all given, as scalars or enums, run
 * compiled. graphql-jit does not apply an input object's default field
 * values to variables, and passes an unsent variable inside an input object
 * as null where graphql-js leaves it out (graphql-jit issues #142 and #91):
 * for our inputs "left out" and "null" mean different things (keep, clear).
 * Mutations, and queries with input-object variables, run on graphql-js.
 *
 * A document is compiled the second time it is seen: apps send the same few
 * documents again and again, while a stream of distinct documents (someone
 * probing) would otherwise buy a compilation each. A client app's registered
 * documents are compiled when they are registered, or when a process first
 * loads one (server/prepared-documents.ts), so they run compiled from their
 * first request. Compiled documents are kept in a bounded most-recently-used
 * cache.
 */
import type { ApolloServerOptionsWithGateway } from '@apollo/server';

// Apollo's gateway types, as @apollo/server states them (their own package is only its dependency).
type GatewayInterface = ApolloServerOptionsWithGateway<Record<string, unknown>>['gateway'];
type GatewayExecutor = NonNullable<Awaited<ReturnType<GatewayInterface['load']>>['executor']>;
import {
  execute,
  getNamedType,
  getNullableType,
  GraphQLError,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  printSchema,
  typeFromAST,
  type DocumentNode,
  type ExecutionResult,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLFormattedError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { compileQuery, isCompiledQuery, type CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { installGatewayRequestContext } from './gateway-request-context';
import { propertyRead } from '../shared/read-as-property';

/** Compiled documents kept; documents seen once, remembered to compile on their second request. */
const COMPILED_MAX = 500;
const SEEN_MAX = 5_000;

type Compiled = CompiledQuery | ExecutionResult;

/** How many operations ran compiled and how many on graphql-js, since start (tests read it). */
export const executions = { compiled: 0, interpreted: 0 };

/**
 * graphql-jit's errors are its own objects, not graphql-js's GraphQLError: Apollo would wrap each
 * again and lose its code. So each becomes the GraphQLError graphql-js would have made — the
 * resolver's error as `originalError`, its extensions, the same path and locations.
 */
function asGraphQLError(e: GraphQLFormattedError & { originalError?: Error | null }): GraphQLError {
  if (e instanceof GraphQLError) return e;
  // graphql-js reports a resolver's broken promise (null for a non-null field) as an internal error, with a cause.
  const cause = e.originalError ?? (/^Cannot return null for non-nullable field/.test(e.message) ? new Error(e.message) : undefined);
  const error = new GraphQLError(e.message, { path: e.path, originalError: cause, extensions: e.extensions });
  if (e.locations) Object.defineProperty(error, 'locations', { value: e.locations, enumerable: true });
  return error;
}

/** Whether graphql-jit answers `operation` exactly as graphql-js would (see above). */
function jitSafe(operation: OperationDefinitionNode, schema: GraphQLSchema, variables: Record<string, unknown>): boolean {
  if (operation.operation !== 'query') return false;
  return (operation.variableDefinitions ?? []).every((v) => {
    if (!Object.prototype.hasOwnProperty.call(variables, v.variable.name.value)) return false;
    const type = typeFromAST(schema, v.type);
    return type !== undefined && isLeafType(getNamedType(type)) && !isListType(getNullableType(type));
  });
}

/**
 * `compileQuery`, with every field whose resolver was declared by `readAsProperty` seen, for the length of
 * the compilation, as a field without a resolver named after the property: graphql-jit reads the source
 * object's property named like the field, so the compiled query reads the getter. Compilation is
 * synchronous, and the schema is back as it was before anything else can run.
 */
function compileReadingProperties(schema: GraphQLSchema, fields: readonly GraphQLField<unknown, unknown>[], document: DocumentNode, operationName?: string) {
  const saved = fields.map((f) => ({ field: f, name: f.name, resolve: f.resolve }));
  try {
    for (const f of fields) {
      f.name = propertyRead(f.resolve as GraphQLFieldResolver<never, never>) as string;
      f.resolve = undefined;
    }
    return compileQuery(schema, document, operationName, { disableLeafSerialization: false });
  } finally {
    for (const { field, name, resolve } of saved) {
      field.name = name;
      field.resolve = resolve;
    }
  }
}

/** The key a compiled plan is kept under: the operation's name and Apollo's hash of the document's text. */
const planKey = (operationName: string | null | undefined, queryHash: string) => `${operationName ?? ''}\n${queryHash}`;

/** The compiled plans of one schema, kept in a bounded most-recently-used cache. */
export class JitPlans {
  private readonly readProperties: GraphQLField<unknown, unknown>[];
  private readonly compiled = new LRUCache<string, Compiled>({ max: COMPILED_MAX });
  private readonly seen = new LRUCache<string, true>({ max: SEEN_MAX });

  constructor(readonly schema: GraphQLSchema) {
    this.readProperties = Object.values(schema.getTypeMap())
      .filter(isObjectType)
      .flatMap((type) => Object.values(type.getFields()))
      .filter((f) => f.resolve && propertyRead(f.resolve as GraphQLFieldResolver<never, never>) !== undefined);
  }

  private make(document: DocumentNode, operationName: string | undefined, key: string): Compiled {
    const made = compileReadingProperties(this.schema, this.readProperties, document, operationName);
    this.compiled.set(key, made);
    return made;
  }

  /** The plan of an operation sent before, compiled now if this is its second request; null the first time. */
  plan(document: DocumentNode, operationName: string | undefined, queryHash: string): Compiled | null {
    const key = planKey(operationName, queryHash);
    const known = this.compiled.get(key);
    if (known) return known;
    if (!this.seen.get(key)) {
      this.seen.set(key, true);
      return null;
    }
    return this.make(document, operationName, key);
  }

  /**
   * Compiles each query of a validated document now, before anyone sends it: a client app's registered
   * documents (server/prepared-documents.ts) are known to be wanted, so their first request runs compiled.
   */
  prepare(document: DocumentNode, queryHash: string): void {
    for (const d of document.definitions) {
      if (d.kind !== Kind.OPERATION_DEFINITION || d.operation !== 'query') continue;
      // Apollo names the operation it runs even when the request does not (requestContext.operationName).
      const key = planKey(d.name?.value, queryHash);
      if (!this.compiled.has(key)) this.make(document, d.name?.value, key);
    }
  }
}

export function jitExecutor(plans: JitPlans): GatewayExecutor {
  const { schema } = plans;
  return async (requestContext) => {
    const { document, request, queryHash, operationName } = requestContext;
    const contextValue = requestContext.context as unknown;
    const variables = request.variables ?? {};
    // Apollo's hash of the document's text.
    const plan = jitSafe(requestContext.operation, schema, variables) ? plans.plan(document, operationName ?? undefined, queryHash) : null;
    if (plan === null) {
      executions.interpreted++;
      return execute({ schema, document, contextValue, variableValues: variables, operationName });
    }
    if (!isCompiledQuery(plan)) return plan;
    executions.compiled++;
    const result = await plan.query(undefined, contextValue, variables);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };
}

/** Apollo's gateway interface around a fixed schema, executing with `jitExecutor`. */
export function jitGateway(plans: JitPlans): GatewayInterface {
  const { schema } = plans;
  // Apollo's own context for a gateway ties each request to the old generation (see gateway-request-context.ts).
  installGatewayRequestContext();
  return {
    async load() {
      return { executor: jitExecutor(plans) };
    },
    onSchemaLoadOrUpdate(callback) {
      callback({ apiSchema: schema, coreSupergraphSdl: printSchema(schema) });
      return () => undefined;
    },
    async stop() {},
  };
}
