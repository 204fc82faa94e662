import type { Context } from '../../context';
import { DestinationCountry } from './country.entity';

/** The destination-country reference table (a few dozen rows), read once per request. */
export const destinationCountries = (ctx: Context): Promise<Map<string, DestinationCountry>> =>
  ctx.loaders.once('destinationCountries', (em) => em.find(DestinationCountry, {}).then((rows) => new Map(rows.map((c) => [c.code, c]))));
