import { Args, ArgsType, Ctx, Field, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { connectionOf, DEFAULT_PAGE, PageArgs } from '../../shared/pagination';
import { searchFilter, compact } from '../../shared/filters';
import { Ministry } from './ministry.entity';
import { listConnection } from '../../shared/list';

// Created at load time: type-graphql must see every type before the schema is built.
const MinistryConnection = connectionOf(Ministry);

@ArgsType()
class MinistryArgs extends PageArgs {
  @Field(() => String, { nullable: true, description: 'Text in the code or either name.' }) search?: string;
}

/** Reference data: every authenticated caller reads all ministries. */
@Resolver(() => Ministry)
export class MinistryResolver {
  @Query(() => MinistryConnection, { description: `All ministries, ordered by code (default page ${DEFAULT_PAGE}).` })
  ministries(@Args(() => MinistryArgs) args: MinistryArgs, @Ctx() ctx: Context) {
    const text = searchFilter(args.search);
    const where = text ? { $or: [{ code: text }, { name: text }, { nameEn: text }] } : {};
    return listConnection(ctx, Ministry, compact(where), { code: 'asc' }, args);
  }
}
