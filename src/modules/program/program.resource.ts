/** Programmes (pelatihan) run at an institution: declared once. */
import type { Context } from '../../context';
import { enumColumn as e } from '../../kernel/csv-columns';
import { importSpec } from '../../kernel/csv-import';
import { assignPresent, loadWritable } from '../../kernel/owned-crud';
import { ownedResource } from '../../kernel/owned-resource';
import { ProgramStatus, ResourceType, Sector } from '../../shared/enums';
import { badUserInput } from '../../shared/errors';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { fromGlobalId } from '../../shared/global-id';
import { requireOwnMinistry } from '../../access/guards';
import { assertOpenDestinations } from '../country/country.rules';
import { destinationCountries } from '../country/country.service';
import type { DestinationCountry } from '../country/country.entity';
import { Enrollment } from '../enrollment/enrollment.entity';
import { assertCapacityCovers } from '../enrollment/enrollment.rules';
import { Institution } from '../institution/institution.entity';
import { Program } from './program.entity';
import { CreateProgramInput, ProgramFilter, ProgramOrderField, UpdateProgramInput } from './program.inputs';
import { ProgramResolver } from './program.resolver';
import { assertDateOrder } from './program.rules';

/** What a programme file's rows refer to: the destinations, and your institutions by externalId. */
interface Loaded {
  countries: Map<string, DestinationCountry>;
  institutions: Map<string, Institution>;
}

export const programResource = ownedResource({
  table: 'program',
  clause: ResourceType.PROGRAM,
  crud: {
    entity: Program,
    csvColumns: [
      'id',
      'externalId',
      'ownerMinistry',
      'institution',
      'title',
      'sector',
      'targetCountryCodes',
      'forHouseholdWork',
      'capacityPerIntake',
      'startDate',
      'endDate',
      'status',
      'competencyStandard',
      'certificationScheme',
      'languageRequirement',
    ],
    listName: 'programs',
    createInput: CreateProgramInput,
    updateInput: UpdateProgramInput,
    filterInput: ProgramFilter,
    orderField: ProgramOrderField,
    orderProperty: { TITLE: 'title', START_DATE: 'startDate', CAPACITY_PER_INTAKE: 'capacityPerIntake', CREATED_AT: 'createdAt' },
    where: (f: ProgramFilter) =>
      compact({
        ownerMinistry: ministryFilter(f.ownerMinistryId),
        institution: f.institutionId ? fromGlobalId(f.institutionId, 'Institution', 'filter.institutionId') : undefined,
        sector: f.sector,
        status: f.status,
        targetCountryCodes: f.destinationCountryCode ? { $contains: [f.destinationCountryCode] } : undefined,
        title: searchFilter(f.search),
      }),
    create: async ({ institutionId, ...input }: CreateProgramInput, ctx: Context) => {
      // A programme belongs to an institution the caller's ministry runs.
      const institution = await loadWritable(ctx, Institution, institutionId, 'input.institutionId');
      assertDateOrder(input.startDate, input.endDate, 'input.endDate');
      assertOpenDestinations(await destinationCountries(ctx), input.targetCountryCodes, input.forHouseholdWork, 'input.targetCountryCodes');
      return ctx.em.create(Program, { ...input, institution } as never, { persist: false });
    },
    update: async (row: Program, input: UpdateProgramInput, ctx: Context) => {
      assertDateOrder(
        input.startDate !== undefined ? input.startDate : row.startDate,
        input.endDate !== undefined ? input.endDate : row.endDate,
        'input.endDate',
      );
      if (input.capacityPerIntake !== undefined && input.capacityPerIntake !== null && input.capacityPerIntake < row.capacityPerIntake) {
        await assertCapacityCovers(ctx, row.id, input.capacityPerIntake, 'input.capacityPerIntake');
      }
      if (input.targetCountryCodes || input.forHouseholdWork) {
        assertOpenDestinations(
          await destinationCountries(ctx),
          input.targetCountryCodes ?? row.targetCountryCodes,
          input.forHouseholdWork ?? row.forHouseholdWork,
          input.targetCountryCodes ? 'input.targetCountryCodes' : 'input.forHouseholdWork',
        );
      }
      assignPresent(row, input);
    },
  },
  references: { institution: { type: () => Institution } },
  children: {
    enrollments: { type: () => Enrollment, parentProperty: 'program', scoped: true, description: 'Enrollments in this programme in your read scope.' },
  },
  resolvers: [ProgramResolver],
  importer: importSpec<Loaded>({
    kind: 'PROGRAMS',
    entity: Program,
    input: CreateProgramInput,
    columns: [
      { name: 'externalId', type: 'string', required: true },
      { name: 'institutionExternalId', type: 'string', required: true },
      { name: 'title', type: 'string', required: true },
      { name: 'sector', type: e(Sector), required: true },
      { name: 'targetCountryCodes', type: { list: 'string' }, default: [] },
      { name: 'capacityPerIntake', type: 'int', required: true },
      { name: 'startDate', type: 'date' },
      { name: 'endDate', type: 'date' },
      { name: 'status', type: e(ProgramStatus), default: ProgramStatus.PLANNED },
      { name: 'competencyStandard', type: 'string' },
      { name: 'certificationScheme', type: 'string' },
      { name: 'languageRequirement', type: 'string' },
      { name: 'forHouseholdWork', type: 'bool', default: false },
    ],
    // The institution is named by its externalId in the file; the input's id is checked in `row`.
    toInput: ({ institutionExternalId: _ref, ...values }) => ({ ...values, institutionId: 'csv' }),
    load: async (ctx, rows) => {
      const wanted = [...new Set(rows.map((r) => r.institutionExternalId).filter((x): x is string => typeof x === 'string'))];
      const institutions = wanted.length ? await ctx.em.find(Institution, { ownerMinistry: requireOwnMinistry(ctx), externalId: { $in: wanted } }) : [];
      return { countries: await destinationCountries(ctx), institutions: new Map(institutions.map((r) => [r.externalId as string, r])) };
    },
    row: ({ institutionExternalId, ...values }, { countries, institutions }) => {
      const institution = institutions.get(String(institutionExternalId));
      if (!institution) throw badUserInput('No institution of your ministry with this externalId.', 'institutionExternalId');
      assertDateOrder(values.startDate as string | undefined, values.endDate as string | undefined, 'endDate');
      assertOpenDestinations(countries, (values.targetCountryCodes as string[] | undefined) ?? [], values.forHouseholdWork === true, 'targetCountryCodes');
      return { ...values, institution: institution.id };
    },
  }),
  statistics: {
    totals: { programCount: { sql: 'count(*)' } },
    breakdowns: {
      programsByStatus: { key: 't.status::text', capacity: 'sum(t.capacity_per_intake)', label: 'enum' },
      programsBySector: { key: 't.sector::text', capacity: 'sum(t.capacity_per_intake)', label: 'enum' },
      programsByDestination: {
        join: 'cross join lateral unnest(t.target_country_codes) d(v)',
        key: 'd.v',
        capacity: 'sum(t.capacity_per_intake)',
        label: 'country',
        description: 'A programme preparing for several destinations counts in each.',
      },
    },
  },
});
