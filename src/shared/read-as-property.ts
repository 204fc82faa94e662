/**
 * Resolvers a compiled query may replace by reading a property of the row: the modules declare them
 * (`readAsProperty`), and graphql/jit-executor.ts compiles queries with them. Kept apart from the executor
 * so that a module declares it without importing the GraphQL layer above it.
 */
import type { GraphQLFieldResolver } from 'graphql';

/** Resolvers a compiled query replaces by reading a property of the row (see `readAsProperty`). */
const asProperty = new Map<GraphQLFieldResolver<never, never>, string>();

/**
 * Declares that `resolve` answers exactly what the getter `property` of every object it is given answers
 * (e.g. a global id: the row's class names its type). graphql-jit then reads that property inline instead
 * of calling a resolver, which for each row of a page cost an argument object, a response path, a resolve
 * info and three closures (a third of a long list's garbage). graphql-js, and every field whose resolver
 * is not declared here, resolve as before.
 */
export function readAsProperty(resolve: GraphQLFieldResolver<never, never>, property: string): void {
  if (!/^[A-Za-z_$][\w$]*$/.test(property)) throw new Error(`not a property name graphql-jit can read: ${property}`);
  asProperty.set(resolve, property);
}

/** The property `resolve` was declared to read, if any. */
export const propertyRead = (resolve: GraphQLFieldResolver<never, never>): string | undefined => asProperty.get(resolve);
