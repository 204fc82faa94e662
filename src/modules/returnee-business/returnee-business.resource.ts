/** Businesses returned workers start in their villages (wirausaha purna PMI). */
import { toGlobalId } from '../../shared/global-id';
import { fixtureNik } from '../trainee/nik';
import { Matches } from 'class-validator';
import type { Context } from '../../context';
import { assertPersonalQueryAllowed } from '../../resource/personal-field';
import { mask } from '../../access/masking';
import { assignPresent, loadReadable } from '../../resource/owned-crud';
import { ownedResource } from '../../resource/owned-resource';

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
      returneeBusinessCount: { description: 'Returnee businesses.', sql: 'count(*)' },
      returneeFinancingTotal: { sql: 'coalesce(sum(t.financing_amount), 0)', type: 'Float', description: 'Rupiah.' },
    },
    breakdowns: {
      returneeBusinessesByProvince: {
        description: 'Returnee businesses per province, with their financing in rupiah.',
        key: 't.province_code',
        capacity: 'sum(t.financing_amount)',
        label: 'province',
      },
      returneeBusinessesBySector: {
        key: 'left(t.kbli_code, 2)',
        capacity: 'sum(t.financing_amount)',
        label: KBLI,
        description: 'By KBLI division (first two digits).',
      },
      returneeBusinessesByFinancing: {
        description: 'Returnee businesses per kind of financing (NONE when not recorded), with the amount in rupiah.',
        key: "coalesce(t.financing_type::text, 'NONE')",
        capacity: 'sum(t.financing_amount)',
        label: 'enum',
      },
    },
  },
  fixture: {
    row: (w, n) => ({
      returneeName: `Returnee ${n}`,
      returneeNik: fixtureNik(n),
      trainee: w.Trainee?.id ?? null,
      businessName: `Warung ${n}`,
      kbliCode: '56101',
      villageCode: '3507122001',
      provinceCode: '35',
      employees: 2,
      financingType: 'KUR',
      financingAmount: 25_000_000,
    }),
    create: (w, _fresh, n) => ({
      returneeName: 'Dewi Lestari',
      returneeNik: fixtureNik(n),
      traineeId: toGlobalId('Trainee', w.Trainee.id),
      businessName: 'Kopi Purna',
      kbliCode: '56303',
      villageCode: '3507122001',
      provinceCode: '35',
      employees: 3,
      financingType: 'KUR',
      financingAmount: 50000000,
    }),
    bad: [
      ['bad KBLI', (v) => ({ ...v, kbliCode: '5A' }), 'input.kbliCode'],
      ['village outside province', (v) => ({ ...v, villageCode: '3307122001' }), 'input.villageCode'],
      ['negative employees', (v) => ({ ...v, employees: -1 }), 'input.employees'],
      ['malformed NIK', (v) => ({ ...v, returneeNik: '1' }), 'input.returneeNik'],
    ],
    change: { employees: 5, mentoringSessions: 4 },
    badChange: [{ financingAmount: -10 }, 'input.financingAmount'],
  },
});
