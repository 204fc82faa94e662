/** The rules of destinations, shared by the programme mutations and the CSV import. */
import { badUserInput } from '../../shared/errors';
import type { DestinationCountry } from './country.entity';

/**
 * Every code must be a known destination, and none may be closed by a
 * moratorium (Kepmenaker 260/2015: no placement in the listed Middle East
 * countries); the refusal names the legal basis.
 */
export function assertOpenDestinations(countries: ReadonlyMap<string, Pick<DestinationCountry, 'moratorium' | 'moratoriumBasis'>>, codes: readonly string[], field: string): void {
  const unknown = codes.filter((c) => !countries.has(c));
  if (unknown.length) throw badUserInput(`Unknown destination country code(s): ${unknown.join(', ')}.`, field);
  const closed = codes.filter((c) => countries.get(c)!.moratorium);
  if (closed.length) {
    throw badUserInput(`Placement to ${closed.join(', ')} is closed by moratorium (${countries.get(closed[0])!.moratoriumBasis ?? 'see destinationCountries'}).`, field);
  }
}
