/** Institutions (lembaga vokasi): everything the system knows about them, declared once. */
import { ownedResource } from '../../resource/owned-resource';

import { Program } from '../program/program.entity';
import { Institution } from './institution.entity';

export const institutionResource = ownedResource({
  sharedByClause: true,
  entity: Institution,
  children: {
    programs: {
      type: () => Program,
      parentProperty: 'institution',
      scoped: true,
      description: 'Programmes of this institution in your read scope, oldest first.',
    },
  },
  importer: { row: (values) => values },
  statistics: {
    totals: {
      institutionCount: { description: 'Institutions.', sql: 'count(*)' },
      totalCapacity: { sql: 'coalesce(sum(t.annual_capacity), 0)', description: 'Annual training capacity (daya latih).' },
      pmiPreparationInstitutionCount: {
        sql: 'count(*) filter (where t.pmi_preparation)',
        description: 'Institutions directly engaged in preparing calon PMI.',
      },
      pmiPreparationCapacity: {
        description: 'Annual training capacity of the institutions directly preparing calon PMI.',
        sql: 'coalesce(sum(t.annual_capacity) filter (where t.pmi_preparation), 0)',
      },
      linkAndMatchMinistryCount: {
        sql: 'count(distinct t.owner_ministry_id) filter (where t.link_and_match)',
        description: 'Ministries with institution data marked link-and-match with overseas labour demand.',
      },
      institutionMinistryCount: { sql: 'count(distinct t.owner_ministry_id)', description: 'Ministries owning institutions.' },
    },
    breakdowns: {
      institutionsByMinistry: {
        description: 'Institutions per owner ministry, with their annual capacity.',
        key: 't.owner_ministry_id::text',
        capacity: 'sum(t.annual_capacity)',
        label: 'ministry',
      },
      institutionsByType: {
        description: 'Institutions per type, with their annual capacity.',
        key: 't.type::text',
        capacity: 'sum(t.annual_capacity)',
        label: 'enum',
      },
      institutionsByProvince: {
        description: 'Institutions per province, with their annual capacity.',
        key: 't.province_code',
        capacity: 'sum(t.annual_capacity)',
        label: 'province',
      },
      institutionsBySector: {
        join: 'cross join lateral unnest(t.sectors) s(v)',
        key: 's.v::text',
        capacity: 'sum(t.annual_capacity)',
        label: 'enum',
        description: 'An institution offering several sectors counts in each.',
      },
      institutionsByLinkAndMatch: {
        description: 'Institutions with and without link-and-match data, with their annual capacity.',
        key: 't.link_and_match::text',
        capacity: 'sum(t.annual_capacity)',
        label: 'enum',
      },
      institutionsByPmiPreparation: {
        description: 'Institutions directly preparing calon PMI or not, with their annual capacity.',
        key: 't.pmi_preparation::text',
        capacity: 'sum(t.annual_capacity)',
        label: 'enum',
      },
    },
  },
  fixture: {
    row: (_w, n) => ({ name: `Institution ${n}`, type: 'TRAINING_CENTRE', provinceCode: '35', annualCapacity: 100, sectors: ['TOURISM'] }),
    create: () => ({
      name: 'BLK Test Malang',
      type: 'TRAINING_CENTRE',
      provinceCode: '35',
      annualCapacity: 480,
      sectors: ['TOURISM', 'HEALTH'],
      pmiPreparation: true,
    }),
    bad: [
      ['negative capacity', (v) => ({ ...v, annualCapacity: -1 }), 'input.annualCapacity'],
      ['unknown province', (v) => ({ ...v, provinceCode: '99' }), 'input.provinceCode'],
      ['empty name', (v) => ({ ...v, name: '' }), 'input.name'],
    ],
    change: { annualCapacity: 999, name: 'BLK Renamed' },
    badChange: [{ annualCapacity: -5 }, 'input.annualCapacity'],
  },
});
