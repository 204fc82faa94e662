/** Destination countries and their moratorium status: versioned reference data the coordinator keeps. */
import { subject, type Resource } from '../../resource/resource';
import { DestinationCountry } from './country.entity';
import { CountryResolver } from './country.resolver';

export const countryResource: Resource = {
  name: 'DestinationCountry',
  entities: [DestinationCountry],
  resolvers: [CountryResolver],
  queries: { destinationCountries: { audience: 'authenticated', scoped: false } },
  mutations: { upsertDestinationCountry: { audience: 'coordinator-writer', scoped: true, audit: subject.row('DestinationCountry') } },
};
