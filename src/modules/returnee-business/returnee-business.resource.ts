/** Businesses returned workers start in their villages (wirausaha purna PMI). */
import { Matches } from 'class-validator';
import type { Context } from '../../context';
import { assertPersonalQueryAllowed } from '../../access/personal-field';
import { mask } from '../../access/masking';
import { assignPresent, loadReadable } from '../../kernel/owned-crud';
import { ownedResource } from '../../kernel/owned-resource';

import { badUserInput } from '../../shared/errors';

import { Trainee } from '../trainee/trainee.entity';
import { ReturneeBusiness } from './returnee-business.entity';

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
  sharedByClause: true,
  entity: ReturneeBusiness,
  filters: {
    kbliPrefix: {
      type: () => String,
      description: 'KBLI code or its prefix (e.g. 56 for food and beverage service).',
      rules: [Matches(/^\d{1,5}$/, { message: 'must be 1 to 5 digits of a KBLI code' })],
      where: (prefix: string) => ({ kbliCode: { $like: `${prefix}%` } }),
    },
  },
  create: async ({ traineeId, ...input }, ctx) => {
    assertVillageInProvince(input.villageCode, input.provinceCode);
    const trainee = traineeId ? await loadReadable(ctx, Trainee, traineeId, 'input.traineeId') : null;
    return ctx.em.create(ReturneeBusiness, { ...input, trainee } as never, { persist: false });
  },
  update: async (row, input) => {
    assertVillageInProvince(input.villageCode ?? row.villageCode, input.provinceCode ?? row.provinceCode);
    assignPresent(row, input);
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
