import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { destinationCountries } from '../country/country.service';
import type { Context } from '../../context';
import { DestinationCountry } from '../country/country.entity';
import { Program } from './program.entity';

// What `targetCountries` reads of a programme's row (see projection.ts).

@Resolver(() => Program)
export class ProgramResolver {
  @FieldResolver(() => [DestinationCountry], { nullable: true })
  async targetCountries(@Root() program: Program, @Ctx() ctx: Context) {
    const all = await destinationCountries(ctx);
    return program.targetCountryCodes.map((c) => all.get(c)).filter((c) => c !== undefined);
  }
}
