import { Length, Matches } from 'class-validator';
import { GraphQLLocalDate } from 'graphql-scalars';
import { Arg, Args, ArgsType, Ctx, Field, Info, InputType, Mutation, Query, Resolver } from 'type-graphql';
import type { GraphQLResolveInfo } from 'graphql';
import { badUserInput } from '../../shared/errors';
import { assignPresent, flushOrExplain } from '../../resource/owned-crud';
import type { Context } from '../../context';
import { compact } from '../../shared/filters';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { listConnection } from '../../resource/list';
import { DestinationCountry } from './country.entity';

// Created at load time: type-graphql must see every type before the schema is built.
const DestinationCountryConnection = connectionOf(DestinationCountry);

@ArgsType()
class CountryArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, description: 'Only countries closed (true) or open (false) for placement.' }) moratorium?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Only the focus destinations of the 2025 signing.' }) isFocus?: boolean;
}

@InputType()
class DestinationCountryInput {
  @Field(() => String, { description: 'ISO 3166-1 alpha-2.' })
  @Matches(/^[A-Z]{2}$/, { message: 'must be two capital letters (ISO 3166-1 alpha-2)' })
  code!: string;
  @Field(() => String) @Length(2, 100) nameEn!: string;
  @Field(() => String) @Length(2, 100) nameId!: string;
  @Field(() => Boolean, { defaultValue: false }) isFocus!: boolean;
  @Field(() => Boolean, { defaultValue: false }) moratorium!: boolean;
  @Field(() => String, { nullable: true }) moratoriumBasis?: string | null;
  @Field(() => GraphQLLocalDate, { nullable: true }) moratoriumSince?: string | null;
}

@Resolver(() => DestinationCountry)
export class CountryResolver {
  @Query(() => DestinationCountryConnection, { nullable: true, description: 'Destination countries with their moratorium status, ordered by code.' })
  destinationCountries(@Args(() => CountryArgs) args: CountryArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo) {
    return listConnection(ctx, DestinationCountry, compact({ moratorium: args.moratorium, isFocus: args.isFocus }), { code: 'asc' }, args, info);
  }

  @Mutation(() => DestinationCountry, {
    nullable: true,
    description: 'Add a destination or change its moratorium status (EDITOR or ADMIN of KP2MI, the coordinator).',
  })
  async upsertDestinationCountry(@Arg('input', () => DestinationCountryInput) input: DestinationCountryInput, @Ctx() ctx: Context) {
    if (input.moratorium && !input.moratoriumBasis) throw badUserInput('A moratorium needs its legal basis.', 'input.moratoriumBasis');
    const country =
      (await ctx.em.findOne(DestinationCountry, { code: input.code })) ??
      ctx.em.create(DestinationCountry, { code: input.code, nameEn: input.nameEn, nameId: input.nameId });
    assignPresent(country, input, ['code']);
    if (!input.moratorium) Object.assign(country, { moratoriumBasis: null, moratoriumSince: null });
    await flushOrExplain(ctx);
    return country;
  }
}
