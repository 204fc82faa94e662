/** Programmes (pelatihan) run at an institution: declared once. */
import { toGlobalId } from '../../shared/global-id';
import type { Context } from '../../context';
import { enumColumn as e } from '../../resource/csv-columns';
import { importRules } from '../../resource/csv-import';
import { assignPresent, loadWritable } from '../../resource/owned-crud';
import { ownedResource } from '../../resource/owned-resource';
import { ProgramStatus, Sector } from '../../shared/enums';
import { badUserInput } from '../../shared/errors';

import { fromGlobalId } from '../../shared/global-id';
import { requireOwnMinistry } from '../../resource/guards';
import { assertOpenDestinations } from '../country/country.rules';
import { destinationCountries } from '../country/country.service';
import type { DestinationCountry } from '../country/country.entity';
import { Enrollment } from '../enrollment/enrollment.entity';
import { assertCapacityCovers } from '../enrollment/enrollment.rules';
import { Institution } from '../institution/institution.entity';
import { Program } from './program.entity';
import { ProgramResolver } from './program.resolver';
import { assertDateOrder } from './program.rules';

/** What a programme file's rows refer to: the destinations, and your institutions by externalId. */
interface Loaded {
  countries: Map<string, DestinationCountry>;
  institutions: Map<string, Institution>;
}

export const programResource = ownedResource({
  sharedByClause: true,
  entity: Program,
  create: async ({ institutionId, ...input }, ctx) => {
    // A programme belongs to an institution the caller's ministry runs.
    const institution = await loadWritable(ctx, Institution, institutionId, 'input.institutionId');
    assertDateOrder(input.startDate, input.endDate, 'input.endDate');
    assertOpenDestinations(await destinationCountries(ctx), input.targetCountryCodes, input.forHouseholdWork, 'input.targetCountryCodes');
    return ctx.em.create(Program, { ...input, institution } as never, { persist: false });
  },
  update: async (row, input, ctx) => {
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
  children: {
    enrollments: { type: () => Enrollment, parentProperty: 'program', scoped: true, description: 'Enrollments in this programme in your read scope.' },
  },
  resolvers: [ProgramResolver],
  // ProgramResolver's `targetCountries` reads the codes.
  reads: { targetCountries: ['targetCountryCodes'] },
  importer: importRules<Loaded>({
    load: async (ctx, rows) => {
      const wanted = [...new Set(rows.map((r) => r.institutionExternalId).filter((x): x is string => typeof x === 'string'))];
      const institutions = wanted.length ? await ctx.em.find(Institution, { ownerMinistry: requireOwnMinistry(ctx), externalId: { $in: wanted } }) : [];
      return { countries: await destinationCountries(ctx), institutions: new Map(institutions.map((r) => [r.externalId as string, r])) };
    },
    row: ({ institutionExternalId, ...values }, { countries, institutions }, _ctx, matched) => {
      assertDateOrder(values.startDate as string | undefined, values.endDate as string | undefined, 'endDate');
      assertOpenDestinations(countries, (values.targetCountryCodes as string[] | undefined) ?? [], values.forHouseholdWork === true, 'targetCountryCodes');
      // A row naming its programme by id and no institution keeps the programme's own.
      if (matched && institutionExternalId === undefined) return values;
      const institution = institutions.get(String(institutionExternalId));
      if (!institution) throw badUserInput('No institution of your ministry with this externalId.', 'institutionExternalId');
      return { ...values, institution: institution.id };
    },
  }),
  statistics: {
    totals: { programCount: { sql: 'count(*)', description: 'Programmes.' } },
    breakdowns: {
      programsByStatus: {
        description: 'Programmes per status, with their places per intake.',
        key: 't.status::text',
        capacity: 'sum(t.capacity_per_intake)',
        label: 'enum',
      },
      programsBySector: {
        description: 'Programmes per sector, with their places per intake.',
        key: 't.sector::text',
        capacity: 'sum(t.capacity_per_intake)',
        label: 'enum',
      },
      programsByDestination: {
        join: 'cross join lateral unnest(t.target_country_codes) d(v)',
        key: 'd.v',
        capacity: 'sum(t.capacity_per_intake)',
        label: 'country',
        description: 'A programme preparing for several destinations counts in each.',
      },
    },
  },
  fixture: {
    row: (w, n) => ({
      institution: w.Institution.id,
      title: `Programme ${n}`,
      sector: 'TOURISM',
      targetCountryCodes: ['JP'],
      capacityPerIntake: 20,
      status: 'RUNNING',
    }),
    create: (w) => ({
      institutionId: toGlobalId('Institution', w.Institution.id),
      title: 'Caregiver for Japan',
      sector: 'HEALTH',
      targetCountryCodes: ['JP', 'TW'],
      capacityPerIntake: 30,
      startDate: '2026-01-05',
      endDate: '2026-06-30',
    }),
    bad: [
      ['unknown country code', (v) => ({ ...v, targetCountryCodes: ['XX'] }), 'input.targetCountryCodes'],
      ['malformed country code', (v) => ({ ...v, targetCountryCodes: ['japan'] }), 'input.targetCountryCodes'],
      ['household work to a country under moratorium', (v) => ({ ...v, targetCountryCodes: ['SA'], forHouseholdWork: true }), 'input.targetCountryCodes'],
      ['negative capacity', (v) => ({ ...v, capacityPerIntake: -3 }), 'input.capacityPerIntake'],
      ['end before start', (v) => ({ ...v, endDate: '2025-01-01' }), 'input.endDate'],
      ['not an institution id', (v) => ({ ...v, institutionId: 'nonsense' }), 'input.institutionId'],
    ],
    change: { status: 'OPEN', capacityPerIntake: 40 },
    badChange: [{ targetCountryCodes: ['QA'], forHouseholdWork: true }, 'input.targetCountryCodes'],
  },
});
