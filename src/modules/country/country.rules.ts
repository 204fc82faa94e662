/** The rules of destinations, shared by the programme and placement mutations and the CSV import. */
import { badUserInput } from '../../shared/errors';
import type { DestinationCountry } from './country.entity';

type Countries = ReadonlyMap<string, Pick<DestinationCountry, 'moratorium' | 'moratoriumBasis'>>;

/**
 * Every code must be a known destination. A moratorium closes placement with
 * individual (household) employers only, as Kepmenaker 260/2015 states it:
 * work for companies there (hotels, hospitals) stays open. So a destination
 * under moratorium is refused exactly when the work is household work, and
 * the refusal names the legal basis.
 */
export function assertOpenDestinations(countries: Countries, codes: readonly string[], householdWork: boolean, field: string): void {
  const unknown = codes.filter((c) => !countries.has(c));
  if (unknown.length) throw badUserInput(`Unknown destination country code(s): ${unknown.join(', ')}.`, field);
  if (!householdWork) return;
  const closed = codes.filter((c) => countries.get(c)?.moratorium);
  if (closed.length) {
    throw badUserInput(
      `Placement with individual (household) employers in ${closed.join(', ')} is closed by moratorium (${countries.get(closed[0])?.moratoriumBasis ?? 'see destinationCountries'}); work for companies there stays open.`,
      field,
    );
  }
}
