import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { parseGlobalId, toGlobalId } from '../../shared/global-id';
import { Node } from '../../kernel/node.interface';
import { NODE_TYPES } from './node.types';


@Resolver(() => Node)
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description: 'Any object by global id. A record outside your read scope answers exactly like one that does not exist: null.',
  })
  node(@Arg('id', () => ID) id: string, @Ctx() ctx: Context) {
    const parsed = parseGlobalId(id);
    const entity = parsed && NODE_TYPES[parsed.type as keyof typeof NODE_TYPES];
    if (!parsed || !entity) return null;
    return ctx.loaders.byId(entity as (typeof NODE_TYPES)['Institution']).load(parsed.id);
  }

  @FieldResolver(() => ID)
  id(@Root() root: { id: string; constructor: { name: string } }) {
    return toGlobalId(root.constructor.name, root.id);
  }
}
