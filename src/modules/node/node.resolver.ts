import { Arg, Ctx, FieldResolver, ID, Info, Query, Resolver, Root, type ClassType } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { rowAhead } from '../../data/row-ahead';
import type { Context } from '../../context';
import { parseGlobalId, toGlobalId } from '../../shared/global-id';
import { Node } from '../../data/node.interface';
import type { Resource } from '../../resource/resource';
import type { DirectResolver } from '../../data/direct-resolvers';
import { readAsProperty } from '../../shared/read-as-property';

/** The getter every node type's class has for its global id (a name no entity property starts with). */
const GLOBAL_ID = '__globalId';

const nodeTypes = (resources: readonly Resource[]) =>
  new Map<string, ClassType<object>>(resources.filter((r) => r.node).map((r) => [r.name, r.node as ClassType<object>]));

/**
 * The global `id` of every node type, once per row of every page: resolved directly, past type-graphql's
 * per-call wrapper (see direct-resolvers.ts), and read as a getter of the entity's class by compiled queries.
 */
export function nodeIdResolvers(resources: readonly Resource[]): DirectResolver[] {
  const out: DirectResolver[] = [];
  for (const [type, entity] of nodeTypes(resources)) {
    // The type this resolver is installed on names the id (it is the name `node` decodes).
    const resolve = (root: { id: string }) => toGlobalId(type, root.id);
    out.push({ type: () => type, field: 'id', resolve: resolve as DirectResolver['resolve'] });
    // The same function as a getter of the entity's class, which its plain rows inherit (see plain-rows.ts):
    // a compiled query reads it as a property, without a resolver call per row (jit-executor.ts).
    Object.defineProperty(entity.prototype, GLOBAL_ID, {
      get(this: { id: string }) {
        return resolve(this);
      },
      configurable: true,
    });
    readAsProperty(resolve as never, GLOBAL_ID);
  }
  return out;
}

/** `node(id:)` over every resource that declares a node type. */
export function nodeResolver(resources: readonly Resource[]) {
  const types = nodeTypes(resources);

  @Resolver(() => Node)
  class NodeResolver {
    @Query(() => Node, {
      nullable: true,
      description: 'Any object by global id. A record outside your read scope answers exactly like one that does not exist: null.',
    })
    node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
      const parsed = parseGlobalId(id);
      const entity = parsed && types.get(parsed.type);
      if (!parsed || !entity) return null;
      // A query reads the record, with the relation pages selected on it, in one statement (see row-ahead.ts).
      if (!ctx.readOnly) return ctx.loaders.byId(entity).load(parsed.id);
      const ahead = rowAhead(ctx, info, entity.name);
      return ctx.loaders.byId(entity, ahead.fields, ahead).load(parsed.id);
    }

    @FieldResolver(() => ID)
    id(@Root() root: { id: string; constructor: { name: string } }) {
      return toGlobalId(root.constructor.name, root.id);
    }
  }
  return NodeResolver;
}

export const nodePolicy = { node: { audience: 'authenticated', scoped: true } } as const;
