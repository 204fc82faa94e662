/**
 * Placements abroad (penempatan): what the programme exists for. Owned by
 * the ministry that records them, shared by a PLACEMENT clause like any
 * other resource.
 */
import type { Context } from '../../context';
import { enumColumn as e } from '../../resource/csv-columns';
import { importRules } from '../../resource/csv-import';
import { assignPresent, loadReadable } from '../../resource/owned-crud';
import { ownedResource } from '../../resource/owned-resource';
import { Sector } from '../../shared/enums';
import { badUserInput } from '../../shared/errors';

import { fromGlobalId, toGlobalId } from '../../shared/global-id';
import { DestinationCountry } from '../country/country.entity';
import { ReturneeBusiness } from '../returnee-business/returnee-business.entity';
import { Trainee } from '../trainee/trainee.entity';
import { EmployerType, Placement, PlacementScheme, PlacementStatus } from './placement.entity';
import { assertPlacement, type PlacementFacts } from './placement.rules';

export const placementResource = ownedResource({
  sharedByClause: true,
  entity: Placement,
  create: async ({ traineeId, returneeBusinessId, ...input }, ctx) => {
    // The trainee may be another ministry's, shared with the caller under an MoU.
    const trainee = await loadReadable(ctx, Trainee, traineeId, 'input.traineeId');
    const returneeBusiness = returneeBusinessId ? await loadReadable(ctx, ReturneeBusiness, returneeBusinessId, 'input.returneeBusinessId') : null;
    await assertPlacement(ctx, { ...input, hasReturneeBusiness: !!returneeBusiness }, trainee);
    return ctx.em.create(Placement, { ...input, trainee, returneeBusiness } as never, { persist: false });
  },
  update: async (row, { returneeBusinessId, ...input }, ctx) => {
    const returneeBusiness = returneeBusinessId
      ? await loadReadable(ctx, ReturneeBusiness, returneeBusinessId, 'input.returneeBusinessId')
      : returneeBusinessId;
    const merged = { ...row, ...Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) } as Placement;
    const hasReturneeBusiness = returneeBusiness === undefined ? !!row.returneeBusiness : !!returneeBusiness;
    // The age rule is checked again whenever the departure date could have moved.
    const trainee = merged.departureDate ? await ctx.loaders.byId(Trainee).load(row.trainee.id) : null;
    await assertPlacement(ctx, { ...merged, hasReturneeBusiness }, trainee);
    assignPresent(row, input);
    if (returneeBusiness !== undefined) row.returneeBusiness = returneeBusiness as never;
  },
  references: {
    destinationCountry: { type: () => DestinationCountry, key: 'destinationCountryCode', description: 'The destination, with its moratorium status.' },
  },
  importer: importRules<Map<string, Trainee | null>>({
    // Trainees are named by their global id (as the export writes them); each must be readable to the importer.
    load: async (ctx, rows) => {
      const out = new Map<string, Trainee | null>();
      for (const id of new Set(rows.map((r) => String(r.traineeId)))) {
        const parsed = (() => {
          try {
            return fromGlobalId(id, 'Trainee', 'traineeId');
          } catch {
            return null;
          }
        })();
        out.set(id, parsed ? await ctx.loaders.byId(Trainee).load(parsed) : null);
      }
      return out;
    },
    row: async ({ traineeId, ...values }, trainees, ctx) => {
      const trainee = trainees.get(String(traineeId));
      if (!trainee) throw badUserInput('No trainee with this id in your read scope.', 'traineeId');
      await assertPlacement(ctx, { ...(values as unknown as PlacementFacts), hasReturneeBusiness: false }, trainee);
      return { ...values, trainee: trainee.id };
    },
  }),
  statistics: {
    totals: {
      placementCount: { sql: 'count(*)', description: 'Placements abroad in any status.' },
      placementsDeparted: {
        sql: "count(*) filter (where t.status in ('DEPARTED', 'RETURNED'))",
        description: 'Placements whose worker has left (DEPARTED or RETURNED).',
      },
    },
    breakdowns: {
      placementsByDestination: { description: 'Placements per destination country.', key: 't.destination_country_code', label: 'country' },
      placementsByStatus: { description: 'Placements per status.', key: 't.status::text', label: 'enum' },
    },
  },
  fixture: {
    row: (w, n) => ({
      trainee: w.Trainee.id,
      destinationCountryCode: 'JP',
      employerName: `Chubu Seiki ${n}`,
      employerType: 'COMPANY',
      jobTitle: 'Machine operator',
      sector: 'MANUFACTURING',
      scheme: 'SSW_JAPAN',
      contractStart: '2026-07-01',
      contractEnd: '2029-06-30',
    }),
    create: (w) => ({
      traineeId: toGlobalId('Trainee', w.Trainee.id),
      destinationCountryCode: 'JP',
      employerName: 'Yamato Kaigo K.K.',
      employerType: 'COMPANY',
      jobTitle: 'Caregiver',
      sector: 'HEALTH',
      scheme: 'SSW_JAPAN',
      contractStart: '2026-07-01',
      contractEnd: '2029-06-30',
      departureDate: '2026-06-15',
    }),
    bad: [
      [
        'a household employer where a moratorium applies',
        (v) => ({ ...v, destinationCountryCode: 'SA', employerType: 'INDIVIDUAL', scheme: 'P_TO_P' }),
        'input.destinationCountryCode',
      ],
      ['an unknown destination', (v) => ({ ...v, destinationCountryCode: 'XX' }), 'input.destinationCountryCode'],
      ['contract ending before it starts', (v) => ({ ...v, contractEnd: '2026-01-01' }), 'input.contractEnd'],
      ['departure before the trainee turns 18', (v) => ({ ...v, departureDate: '2015-06-15' }), 'input.departureDate'],
      ['departed without a departure date', (v) => ({ ...v, status: 'DEPARTED', departureDate: null }), 'input.departureDate'],
      ['a trainee id that is not a Trainee', (v) => ({ ...v, traineeId: toGlobalId('Program', '01a00000-0000-7000-8000-000000000001') }), 'input.traineeId'],
    ],
    change: { status: 'DEPARTED', departureDate: '2026-06-20', jobTitle: 'Senior caregiver' },
    badChange: [{ employerType: 'INDIVIDUAL', destinationCountryCode: 'QA' }, 'input.destinationCountryCode'],
  },
});
