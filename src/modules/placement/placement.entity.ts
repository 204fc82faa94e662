import { registerEnumType } from 'type-graphql';
import { field } from '../../resource/fields';
import { ownedEntity } from '../../resource/owned-entity';
import { Sector } from '../../shared/enums';
import { IsCountryCode } from '../../shared/validators';
import { ReturneeBusiness } from '../returnee-business/returnee-business.entity';
import { Trainee } from '../trainee/trainee.entity';

export enum EmployerType {
  COMPANY = 'COMPANY',
  INDIVIDUAL = 'INDIVIDUAL',
}
registerEnumType(EmployerType, {
  name: 'EmployerType',
  valuesConfig: {
    COMPANY: { description: 'A legal entity: a company, hotel, hospital, farm or factory.' },
    INDIVIDUAL: { description: 'An individual or household employer (domestic work); closed where a moratorium applies (Kepmenaker 260/2015).' },
  },
});

export enum PlacementScheme {
  G_TO_G_EPS_KOREA = 'G_TO_G_EPS_KOREA',
  SSW_JAPAN = 'SSW_JAPAN',
  G_TO_G = 'G_TO_G',
  P_TO_P = 'P_TO_P',
  INDEPENDENT = 'INDEPENDENT',
}
registerEnumType(PlacementScheme, {
  name: 'PlacementScheme',
  valuesConfig: {
    G_TO_G_EPS_KOREA: { description: "Government to government, Korea's Employment Permit System." },
    SSW_JAPAN: { description: "Japan's Specified Skilled Worker (Tokutei Ginou) visa." },
    G_TO_G: { description: 'Another government-to-government scheme.' },
    P_TO_P: { description: 'Private to private: through a licensed placement company (P3MI).' },
    INDEPENDENT: { description: 'Placed independently (mandiri).' },
  },
});

export enum PlacementStatus {
  PLANNED = 'PLANNED',
  DEPARTED = 'DEPARTED',
  RETURNED = 'RETURNED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(PlacementStatus, { name: 'PlacementStatus' });

export const Placement = ownedEntity('Placement', {
  description: 'Work abroad: a trainee’s placement with an employer in a destination country.',
  fields: {
    externalId: field.externalId(),
    trainee: field.reference(() => Trainee, {
      description: 'Null when the trainee is outside your read scope.',
      index: 'withOwner',
      update: false,
      filter: 'eq',
    }),
    destinationCountryCode: field.text({
      description: 'ISO code of the destination country.',
      columnLength: 2,
      rules: [IsCountryCode()],
      index: true,
      filter: 'eq',
    }),
    employerName: field.text({ description: 'Name of the employer abroad.', length: [2, 200] }),
    employerType: field.enum(EmployerType, 'employer_type', { description: 'A company, or an individual (household) employer.', filter: 'eq' }),
    jobTitle: field.text({ description: 'The job, e.g. caregiver or welder.', length: [2, 150] }),
    sector: field.enum(Sector, 'sector', { description: 'The sector of the job.' }),
    scheme: field.enum(PlacementScheme, 'placement_scheme', { description: 'The placement scheme.', filter: 'eq' }),
    contractStart: field.date({ description: 'First day of the work contract.', nullable: true, sort: 'CONTRACT_START' }),
    contractEnd: field.date({ description: 'Last day of the work contract; not before its start.', nullable: true }),
    departureDate: field.date({ description: 'The trainee is at least 18 on this day (UU 18/2017).', nullable: true, sort: 'DEPARTURE_DATE' }),
    status: field.enum(PlacementStatus, 'placement_status', { description: 'Where the placement stands.', default: PlacementStatus.PLANNED, filter: 'eq' }),
    returneeBusiness: field.reference(() => ReturneeBusiness, {
      description: 'The business started after return, when in your read scope.',
      inputDescription: 'The business the returnee started after return, if you can read it.',
      nullable: true,
      index: true,
      csv: false,
    }),
  },
});
export type Placement = InstanceType<typeof Placement>;
