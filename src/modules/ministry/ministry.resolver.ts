import { Arg, Args, ArgsType, Ctx, Field, Info, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { notFound } from '../../shared/errors';
import { fromGlobalId } from '../../shared/global-id';
import { assignPresent, flushOrExplain } from '../../resource/owned-crud';
import { CreateMinistryInput, UpdateMinistryInput } from './ministry.inputs';
import type { Context } from '../../context';
import { connectionOf, DEFAULT_PAGE, PageArgs } from '../../shared/pagination';
import { searchFilter, compact } from '../../shared/filters';
import { Ministry } from '../../data/ministry.entity';
import { listConnection } from '../../resource/list';

// Created at load time: type-graphql must see every type before the schema is built.
const MinistryConnection = connectionOf(Ministry);

@ArgsType()
class MinistryArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Text in the code or either name.' }) search?: string;
}

/** Reference data: every authenticated caller reads all ministries. */
@Resolver(() => Ministry)
export class MinistryResolver {
  @Query(() => MinistryConnection, { nullable: true, description: `All ministries, ordered by code (default page ${DEFAULT_PAGE}).` })
  ministries(@Args(() => MinistryArgs) args: MinistryArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    const text = searchFilter(args.search);
    const where = text ? { $or: [{ code: text }, { name: text }, { nameEn: text }] } : {};
    return listConnection(ctx, Ministry, compact(where), { code: 'asc' }, args, info);
  }

  @Mutation(() => Ministry, { nullable: true, description: 'Add a partner ministry (PLATFORM_ADMIN): a new partner is a row, not a code change.' })
  async createMinistry(@Arg('input', () => CreateMinistryInput) input: CreateMinistryInput, @Ctx() ctx: Context) {
    const ministry = ctx.em.create(Ministry, { ...input, isCoordinator: false });
    await flushOrExplain(ctx);
    return ministry;
  }

  @Mutation(() => Ministry, { nullable: true, description: 'Rename a ministry or change its code (PLATFORM_ADMIN).' })
  async updateMinistry(@Arg('input', () => UpdateMinistryInput) input: UpdateMinistryInput, @Ctx() ctx: Context) {
    const ministry = await ctx.em.findOne(Ministry, { id: fromGlobalId(input.id, 'Ministry', 'input.id') });
    if (!ministry) throw notFound('input.id');
    assignPresent(ministry, input);
    await flushOrExplain(ctx);
    return ministry;
  }
}
