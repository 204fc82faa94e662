/** Institutions (lembaga vokasi): everything the system knows about them, declared once. */
import { enumColumn as e } from '../../kernel/csv-columns';
import { importSpec } from '../../kernel/csv-import';
import { assignPresent } from '../../kernel/owned-crud';
import { ownedResource } from '../../kernel/owned-resource';
import { Accreditation, InstitutionType, ResourceType, Sector } from '../../shared/enums';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import type { Context } from '../../context';
import { Program } from '../program/program.entity';
import { Institution } from './institution.entity';
import { CreateInstitutionInput, InstitutionFilter, InstitutionOrderField, UpdateInstitutionInput } from './institution.inputs';

export const institutionResource = ownedResource({
  table: 'institution',
  clause: ResourceType.INSTITUTION,
  crud: {
    entity: Institution,
    csvColumns: [
      'id',
      'externalId',
      'ownerMinistry',
      'name',
      'type',
      'provinceCode',
      'regency',
      'address',
      'annualCapacity',
      'sectors',
      'linkAndMatch',
      'pmiPreparation',
      'accreditation',
    ],
    listName: 'institutions',
    createInput: CreateInstitutionInput,
    updateInput: UpdateInstitutionInput,
    filterInput: InstitutionFilter,
    orderField: InstitutionOrderField,
    orderProperty: { NAME: 'name', ANNUAL_CAPACITY: 'annualCapacity', PROVINCE_CODE: 'provinceCode', CREATED_AT: 'createdAt' },
    where: (f: InstitutionFilter) =>
      compact({
        ownerMinistry: ministryFilter(f.ownerMinistryId),
        provinceCode: f.provinceCode,
        type: f.type,
        sectors: f.sector ? { $contains: [f.sector] } : undefined,
        pmiPreparation: f.pmiPreparation,
        linkAndMatch: f.linkAndMatch,
        name: searchFilter(f.search),
      }),
    create: async (input: CreateInstitutionInput, ctx: Context) => ctx.em.create(Institution, { ...input } as never, { persist: false }),
    update: async (row: Institution, input: UpdateInstitutionInput) => assignPresent(row, input),
  },
  children: {
    programs: {
      type: () => Program,
      parentProperty: 'institution',
      scoped: true,
      description: 'Programmes of this institution in your read scope, oldest first.',
    },
  },
  importer: importSpec({
    kind: 'INSTITUTIONS',
    entity: Institution,
    input: CreateInstitutionInput,
    columns: [
      { name: 'externalId', type: 'string', required: true },
      { name: 'name', type: 'string', required: true },
      { name: 'type', type: e(InstitutionType), required: true },
      { name: 'provinceCode', type: 'string', required: true },
      { name: 'regency', type: 'string' },
      { name: 'address', type: 'string' },
      { name: 'annualCapacity', type: 'int', required: true },
      { name: 'sectors', type: { list: Sector }, default: [] },
      { name: 'linkAndMatch', type: 'bool', default: false },
      { name: 'pmiPreparation', type: 'bool', default: false },
      { name: 'accreditation', type: e(Accreditation) },
    ],
    row: (values) => values,
  }),
  statistics: {
    totals: {
      institutionCount: { sql: 'count(*)' },
      totalCapacity: { sql: 'coalesce(sum(t.annual_capacity), 0)', description: 'Annual training capacity (daya latih).' },
      pmiPreparationInstitutionCount: {
        sql: 'count(*) filter (where t.pmi_preparation)',
        description: 'Institutions directly engaged in preparing calon PMI.',
      },
      pmiPreparationCapacity: { sql: 'coalesce(sum(t.annual_capacity) filter (where t.pmi_preparation), 0)' },
      linkAndMatchMinistryCount: {
        sql: 'count(distinct t.owner_ministry_id) filter (where t.link_and_match)',
        description: 'Ministries with institution data marked link-and-match with overseas labour demand.',
      },
      institutionMinistryCount: { sql: 'count(distinct t.owner_ministry_id)', description: 'Ministries owning institutions.' },
    },
    breakdowns: {
      institutionsByMinistry: { key: 't.owner_ministry_id::text', capacity: 'sum(t.annual_capacity)', label: 'ministry' },
      institutionsByType: { key: 't.type::text', capacity: 'sum(t.annual_capacity)', label: 'enum' },
      institutionsByProvince: { key: 't.province_code', capacity: 'sum(t.annual_capacity)', label: 'province' },
      institutionsBySector: {
        join: 'cross join lateral unnest(t.sectors) s(v)',
        key: 's.v::text',
        capacity: 'sum(t.annual_capacity)',
        label: 'enum',
        description: 'An institution offering several sectors counts in each.',
      },
      institutionsByLinkAndMatch: { key: 't.link_and_match::text', capacity: 'sum(t.annual_capacity)', label: 'enum' },
      institutionsByPmiPreparation: { key: 't.pmi_preparation::text', capacity: 'sum(t.annual_capacity)', label: 'enum' },
    },
  },
});
