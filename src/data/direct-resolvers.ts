/**
 * Field resolvers that run as plain functions on the built schema.
 *
 * type-graphql calls every `@FieldResolver` through a generic wrapper: it
 * looks up the resolver instance, runs the middleware chain and builds each
 * parameter (converting arguments to class instances) on every call. For the
 * fields resolved once per row of a page — global ids, relations, references,
 * personal fields — that wrapper cost more than the resolver. These fields
 * hand their function to the registry too, and `installDirectResolvers` puts it on
 * the schema in place of the wrapper. The schema (its SDL) is unchanged; the
 * shield and the other middlewares are applied afterwards, around them.
 * Nothing here may rely on what the wrapper did: there are no global
 * middlewares or auth checker, and arguments arrive as GraphQL coerced them.
 */
import type { GraphQLFieldResolver, GraphQLSchema } from 'graphql';
import { isObjectType } from 'graphql';

/** Resolves `type.field` with `resolve` directly (the type is named lazily: classes may not exist yet). */
export interface DirectResolver {
  type: () => string;
  field: string;
  /** Called as graphql-js calls a resolver: (root, args, context, info). */
  resolve: GraphQLFieldResolver<never, never>;
}

/** Puts each resolver the declarations made (the registry's) on the built schema. */
export function installDirectResolvers(schema: GraphQLSchema, direct: readonly DirectResolver[]): void {
  for (const { type, field, resolve } of direct) {
    const object = schema.getType(type());
    const target = isObjectType(object) ? object.getFields()[field] : undefined;
    // A declaration that names no field of the schema is a programming error, not something to skip.
    if (!target) throw new Error(`direct resolver for ${type()}.${field}: no such field in the schema`);
    target.resolve = resolve as GraphQLFieldResolver<unknown, unknown>;
  }
}
