import type { Context } from '../../context';
import { badUserInput } from '../../shared/errors';
import { DestinationCountry } from './country.entity';

/** The destination-country reference table (a few dozen rows), read once per request. */
export const destinationCountries = (ctx: Context): Promise<Map<string, DestinationCountry>> =>
  ctx.loaders.once('destinationCountries', (em) => em.find(DestinationCountry, {}).then((rows) => new Map(rows.map((c) => [c.code, c]))));

/**
 * Every code must be a known destination, and none may be closed by a
 * moratorium (Kepmenaker 260/2015: no placement in the Middle East).
 */
export async function assertOpenDestinations(ctx: Context, codes: readonly string[], field: string): Promise<void> {
  if (codes.length === 0) return;
  const found = await ctx.em.find(DestinationCountry, { code: { $in: [...new Set(codes)] } });
  const byCode = new Map(found.map((c) => [c.code, c]));
  const unknown = codes.filter((c) => !byCode.has(c));
  if (unknown.length) throw badUserInput(`Unknown destination country code(s): ${unknown.join(', ')}.`, field);
  const closed = found.filter((c) => c.moratorium);
  if (closed.length) {
    throw badUserInput(`Placement to ${closed.map((c) => c.code).join(', ')} is closed by moratorium (${closed[0].moratoriumBasis ?? 'see destinationCountries'}).`, field);
  }
}
