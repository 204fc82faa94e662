/** Domain vocabularies. Kept as GraphQL enums where the set is fixed by the programme, as data where it is not (ministries, countries). */
import { registerEnumType } from 'type-graphql';

export enum Sector {
  TOURISM = 'TOURISM',
  TRANSPORT = 'TRANSPORT',
  CREATIVE_ECONOMY = 'CREATIVE_ECONOMY',
  HEALTH = 'HEALTH',
  MANUFACTURING = 'MANUFACTURING',
  MINING = 'MINING',
  ENERGY = 'ENERGY',
  BUSINESS_MANAGEMENT = 'BUSINESS_MANAGEMENT',
  FISHERIES = 'FISHERIES',
  LIVESTOCK = 'LIVESTOCK',
  AGRICULTURE = 'AGRICULTURE',
  CONSTRUCTION = 'CONSTRUCTION',
  ICT = 'ICT',
}
registerEnumType(Sector, {
  name: 'Sector',
  description: 'Programme sectors named at the 8 October 2025 signing (energy covers oil & gas, electricity and renewables).',
});

export enum InstitutionType {
  TRAINING_CENTRE = 'TRAINING_CENTRE',
  POLYTECHNIC = 'POLYTECHNIC',
  VOCATIONAL_SCHOOL = 'VOCATIONAL_SCHOOL',
  ACADEMY = 'ACADEMY',
  WORK_UNIT = 'WORK_UNIT',
  PRIVATE_COURSE = 'PRIVATE_COURSE',
  COMMUNITY_TRAINING_CENTRE = 'COMMUNITY_TRAINING_CENTRE',
}
registerEnumType(InstitutionType, {
  name: 'InstitutionType',
  valuesConfig: {
    TRAINING_CENTRE: { description: 'BLK/BBPVP/BPVP, BDI, Bapelkes, BBPP and similar training centres' },
    POLYTECHNIC: { description: 'Politeknik (incl. Poltekkes, Polbangtan, Poltekpar)' },
    VOCATIONAL_SCHOOL: { description: 'SMK, SMK-SMTI, SUPM' },
    ACADEMY: { description: 'Maritime, aviation and other academies' },
    WORK_UNIT: { description: 'A ministry training work unit such as ESDM PPSDM' },
    PRIVATE_COURSE: { description: 'Licensed private course/training institution (LPK)' },
    COMMUNITY_TRAINING_CENTRE: { description: 'BLK Komunitas' },
  },
});

export enum Accreditation {
  A = 'A',
  B = 'B',
  C = 'C',
  NOT_ACCREDITED = 'NOT_ACCREDITED',
}
registerEnumType(Accreditation, { name: 'Accreditation' });

export enum ProgramStatus {
  PLANNED = 'PLANNED',
  OPEN = 'OPEN',
  RUNNING = 'RUNNING',
  COMPLETED = 'COMPLETED',
  CANCELLED = 'CANCELLED',
}
registerEnumType(ProgramStatus, { name: 'ProgramStatus' });

export enum Sex {
  MALE = 'MALE',
  FEMALE = 'FEMALE',
}
registerEnumType(Sex, { name: 'Sex' });

export enum EducationLevel {
  SD = 'SD',
  SMP = 'SMP',
  SMA = 'SMA',
  SMK = 'SMK',
  D1 = 'D1',
  D2 = 'D2',
  D3 = 'D3',
  D4 = 'D4',
  S1 = 'S1',
  S2 = 'S2',
}
registerEnumType(EducationLevel, { name: 'EducationLevel', description: 'Highest completed education (SD primary … S2 master).' });

export enum TraineeStatus {
  REGISTERED = 'REGISTERED',
  IN_TRAINING = 'IN_TRAINING',
  CERTIFIED = 'CERTIFIED',
  PLACED = 'PLACED',
  WITHDRAWN = 'WITHDRAWN',
}
registerEnumType(TraineeStatus, { name: 'TraineeStatus' });

export enum EnrollmentStatus {
  APPLIED = 'APPLIED',
  ENROLLED = 'ENROLLED',
  COMPLETED = 'COMPLETED',
  DROPPED = 'DROPPED',
  FAILED = 'FAILED',
}
registerEnumType(EnrollmentStatus, { name: 'EnrollmentStatus' });

export enum MouStatus {
  DRAFT = 'DRAFT',
  ACTIVE = 'ACTIVE',
  EXPIRED = 'EXPIRED',
  TERMINATED = 'TERMINATED',
}
registerEnumType(MouStatus, { name: 'MouStatus', description: 'EXPIRED is derived from the validity window at read time; no job sets it.' });

export enum FinancingType {
  KUR = 'KUR',
  GRANT = 'GRANT',
  COOPERATIVE = 'COOPERATIVE',
  BANK_LOAN = 'BANK_LOAN',
  SELF_FUNDED = 'SELF_FUNDED',
}
registerEnumType(FinancingType, { name: 'FinancingType', description: 'KUR is the state-backed people’s business credit (Kredit Usaha Rakyat).' });

/** What a data-sharing clause can cover. */
/**
 * The kinds of record a data-sharing clause can name: one per resource shared
 * by clauses, named after it (`ReturneeBusiness` → `RETURNEE_BUSINESS`). The
 * values come from the resource declarations: the composition root
 * (modules/index.ts) defines them, before the ORM and the schema read them.
 */
export type ResourceType = string;
export const ResourceType: Record<string, ResourceType> = {};
const resourceTypeDocs: Record<string, { description: string }> = {};
registerEnumType(ResourceType, { name: 'ResourceType', description: 'A kind of record a clause can share.', valuesConfig: resourceTypeDocs });

/** Defines the values of `ResourceType`, with what each shares (the composition root calls it once). */
export function defineResourceTypes(types: readonly { value: string; description: string }[]): void {
  for (const { value, description } of types) {
    ResourceType[value] = value;
    resourceTypeDocs[value] = { description };
  }
}

export enum SortDirection {
  ASC = 'ASC',
  DESC = 'DESC',
}
registerEnumType(SortDirection, { name: 'SortDirection' });
