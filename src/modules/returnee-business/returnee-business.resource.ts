/** Businesses returned workers start in their villages (wirausaha purna PMI). */
import type { Context } from '../../context';
import { assertPersonalQueryAllowed } from '../../access/personal-field';
import { mask } from '../../access/masking';
import { assignPresent, loadReadable } from '../../kernel/owned-crud';
import { ownedResource } from '../../kernel/owned-resource';
import { ResourceType } from '../../shared/enums';
import { badUserInput } from '../../shared/errors';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { Trainee } from '../trainee/trainee.entity';
import { ReturneeBusiness } from './returnee-business.entity';
import { CreateReturneeBusinessInput, ReturneeBusinessFilter, ReturneeBusinessOrderField, UpdateReturneeBusinessInput } from './returnee-business.inputs';

/** A village code starts with its province code. */
function assertVillageInProvince(villageCode: string, provinceCode: string) {
  if (!villageCode.startsWith(provinceCode)) throw badUserInput(`Village code ${villageCode} is not in province ${provinceCode}.`, 'input.villageCode');
}

/** KBLI 2020 divisions that returnee businesses fall in. */
const KBLI: Record<string, string> = {
  '03': 'Fisheries',
  '10': 'Food manufacturing',
  '14': 'Apparel',
  '32': 'Other manufacturing (crafts)',
  '45': 'Motor vehicle trade and repair',
  '47': 'Retail trade',
  '56': 'Food and beverage service',
};

export const returneeBusinessResource = ownedResource({
  table: 'returnee_business',
  clause: ResourceType.RETURNEE_BUSINESS,
  crud: {
    entity: ReturneeBusiness,
    csvColumns: [
      'id',
      'ownerMinistry',
      'returneeName',
      'returneeNik',
      'returneePhone',
      'trainee',
      'businessName',
      'kbliCode',
      'villageCode',
      'provinceCode',
      'foundedOn',
      'employees',
      'financingType',
      'financingAmount',
      'mentoringSessions',
    ],
    listName: 'returneeBusinesses',
    createInput: CreateReturneeBusinessInput,
    updateInput: UpdateReturneeBusinessInput,
    filterInput: ReturneeBusinessFilter,
    orderField: ReturneeBusinessOrderField,
    orderProperty: { BUSINESS_NAME: 'businessName', FOUNDED_ON: 'foundedOn', EMPLOYEES: 'employees', CREATED_AT: 'createdAt' },
    personalFilterFields: (f: ReturneeBusinessFilter) => (f.returneeNik ? ['returneeNik'] : []),
    where: (f: ReturneeBusinessFilter, ctx: Context) => {
      if (f.returneeNik) assertPersonalQueryAllowed(ctx, 'ReturneeBusiness', ministryFilter(f.ownerMinistryId), 'filter.returneeNik');
      return compact({
        ownerMinistry: ministryFilter(f.ownerMinistryId),
        returneeNik: f.returneeNik,
        provinceCode: f.provinceCode,
        kbliCode: f.kbliPrefix ? { $like: `${f.kbliPrefix}%` } : undefined,
        financingType: f.financingType,
        businessName: searchFilter(f.search),
      });
    },
    create: async ({ traineeId, ...input }: CreateReturneeBusinessInput, ctx: Context) => {
      assertVillageInProvince(input.villageCode, input.provinceCode);
      const trainee = traineeId ? await loadReadable(ctx, Trainee, traineeId, 'input.traineeId') : null;
      return ctx.em.create(ReturneeBusiness, { ...input, trainee } as never, { persist: false });
    },
    update: async (row: ReturneeBusiness, input: UpdateReturneeBusinessInput) => {
      assertVillageInProvince(input.villageCode ?? row.villageCode, input.provinceCode ?? row.provinceCode);
      assignPresent(row, input);
    },
  },
  personal: {
    returneeNik: { masker: mask.nik, description: "The returnee's NIK." },
    returneePhone: { masker: mask.phone, description: "The returnee's phone.", nullable: true },
  },
  references: {
    trainee: { type: () => Trainee, description: "The returnee's trainee record, when known and in your read scope." },
  },
  statistics: {
    totals: {
      returneeBusinessCount: { sql: 'count(*)' },
      returneeFinancingTotal: { sql: 'coalesce(sum(t.financing_amount), 0)', type: 'Float', description: 'Rupiah.' },
    },
    breakdowns: {
      returneeBusinessesByProvince: { key: 't.province_code', capacity: 'sum(t.financing_amount)', label: 'province' },
      returneeBusinessesBySector: {
        key: 'left(t.kbli_code, 2)',
        capacity: 'sum(t.financing_amount)',
        label: KBLI,
        description: 'By KBLI division (first two digits).',
      },
      returneeBusinessesByFinancing: { key: "coalesce(t.financing_type::text, 'NONE')", capacity: 'sum(t.financing_amount)', label: 'enum' },
    },
  },
});
