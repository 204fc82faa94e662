import { field } from '../../resource/fields';
import { ownedEntity } from '../../resource/owned-entity';
import { ProgramStatus, Sector } from '../../shared/enums';
import { IsCountryCodeFormat } from '../../shared/validators';
import { Institution } from '../institution/institution.entity';

export const Program = ownedEntity('Program', {
  description: 'A training programme of an institution, usually preparing for work in given destination countries.',
  fields: {
    externalId: field.externalId(),
    institution: field.reference(() => Institution, { access: 'writable', by: 'externalId', update: false, index: 'withOwner', filter: 'eq' }),
    title: field.text({ description: 'Name of the programme, e.g. Caregiver for Japan (SSW).', length: [3, 200], filter: { search: 'search' }, sort: 'TITLE' }),
    sector: field.enum(Sector, 'sector', { description: 'The sector it trains for.', filter: 'eq' }),
    targetCountryCodes: field.textList({
      description: 'ISO codes of the destination countries the programme prepares for.',
      default: [],
      max: 30,
      rules: [IsCountryCodeFormat()],
      filter: { contains: 'destinationCountryCode', description: 'Programmes preparing for this destination (ISO code).' },
    }),
    forHouseholdWork: field.bool({
      description:
        'Prepares for work with individual (household) employers: such a programme may not target a destination under moratorium (Kepmenaker 260/2015).',
      default: false,
    }),
    capacityPerIntake: field.int({ description: 'Places per intake; enrollments beyond it are refused.', min: 0, max: 100_000, sort: 'CAPACITY_PER_INTAKE' }),
    startDate: field.date({ description: 'First day of training.', nullable: true, sort: 'START_DATE' }),
    endDate: field.date({ description: 'Last day of training; not before the start.', nullable: true }),
    status: field.enum(ProgramStatus, 'program_status', {
      description: 'Where the programme stands: planned, open for enrollment, running, completed or cancelled.',
      default: ProgramStatus.PLANNED,
      filter: 'eq',
    }),
    competencyStandard: field.text({ description: 'Competency standard, e.g. an SKKNI reference.', nullable: true, length: [1, 200] }),
    certificationScheme: field.text({ description: 'Certification scheme, e.g. BNSP/LSP scheme or SSW field test.', nullable: true, length: [1, 200] }),
    languageRequirement: field.text({ description: 'e.g. JLPT N4, EPS-TOPIK, Goethe B1.', nullable: true, length: [1, 100] }),
  },
});
export type Program = InstanceType<typeof Program>;
