import { Args, ArgsType, Ctx, Field, Query, Resolver } from 'type-graphql';
import type { Context } from '../../context';
import { compact } from '../../shared/filters';
import { connectionOf, PageArgs } from '../../shared/pagination';
import { listConnection } from '../../shared/list';
import { DestinationCountry } from './country.entity';

// Created at load time: type-graphql must see every type before the schema is built.
const DestinationCountryConnection = connectionOf(DestinationCountry);

@ArgsType()
class CountryArgs extends PageArgs {
  @Field(() => Boolean, { nullable: true, description: 'Only countries closed (true) or open (false) for placement.' }) moratorium?: boolean;
  @Field(() => Boolean, { nullable: true, description: 'Only the focus destinations of the 2025 signing.' }) isFocus?: boolean;
}

@Resolver(() => DestinationCountry)
export class CountryResolver {
  @Query(() => DestinationCountryConnection, { description: 'Destination countries with their moratorium status, ordered by code.' })
  destinationCountries(@Args(() => CountryArgs) args: CountryArgs, @Ctx() ctx: Context) {
    return listConnection(ctx, DestinationCountry, compact({ moratorium: args.moratorium, isFocus: args.isFocus }), { code: 'asc' }, args);
  }
}
