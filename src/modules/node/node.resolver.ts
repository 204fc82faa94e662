import { Arg, Ctx, FieldResolver, ID, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { parseGlobalId, toGlobalId } from '../../shared/global-id';
import { Enrollment } from '../enrollment/enrollment.entity';
import { Institution } from '../institution/institution.entity';
import { Ministry } from '../ministry/ministry.entity';
import { Mou } from '../mou/mou.entity';
import { Program } from '../program/program.entity';
import { ReturneeBusiness } from '../returnee-business/returnee-business.entity';
import { Trainee } from '../trainee/trainee.entity';
import { Node } from './node.interface';

/** Every type that implements Node, by its GraphQL (and entity class) name. */
export const NODE_TYPES = { Ministry, Institution, Program, Trainee, Enrollment, Mou, ReturneeBusiness } as const;

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
    return ctx.loaders.byId(entity as typeof Institution).load(parsed.id);
  }

  @FieldResolver(() => ID)
  id(@Root() root: { id: string; constructor: { name: string } }) {
    return toGlobalId(root.constructor.name, root.id);
  }
}
