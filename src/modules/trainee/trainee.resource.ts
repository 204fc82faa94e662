/** Trainees (calon PMI): the people the programme serves, and the most personal data in it. */
import { fixtureNik } from './nik';
import type { Context } from '../../context';
import { assertPersonalQueryAllowed } from '../../resource/personal-field';
import { requireOwnMinistry } from '../../resource/guards';
import { mask } from '../../access/masking';
import { enumColumn as e } from '../../resource/csv-columns';
import { importRules, type RowError } from '../../resource/csv-import';
import { assignPresent } from '../../resource/owned-crud';
import { ownedResource } from '../../resource/owned-resource';
import { EducationLevel, Sex, TraineeStatus } from '../../shared/enums';

import { Enrollment } from '../enrollment/enrollment.entity';
import { Trainee } from './trainee.entity';
import { assertNikConsistent } from './trainee.rules';

export const traineeResource = ownedResource({
  sharedByClause: true,
  entity: Trainee,
  create: async (input, ctx) => {
    assertNikConsistent(input.nik, input.birthDate, input.sex);
    return ctx.em.create(Trainee, { ...input } as never, { persist: false });
  },
  update: async (row, input) => {
    assertNikConsistent(input.nik ?? row.nik, input.birthDate ?? row.birthDate, input.sex ?? row.sex);
    assignPresent(row, input);
  },
  children: {
    enrollments: { type: () => Enrollment, parentProperty: 'trainee', scoped: true, description: "This person's enrollments that your ministry may read." },
  },
  importer: {
    uniqueInFile: { nik: 'NIK' },
    row: (values) => {
      assertNikConsistent(String(values.nik), String(values.birthDate), values.sex as Sex);
      return values;
    },
    // A NIK on record in your ministry for another trainee (another externalId).
    clashes: async (ctx, rows) => {
      const onRecord = new Map<string, Trainee>();
      const niks = rows.map((g) => String(g.values.nik));
      for (let i = 0; i < niks.length; i += 500) {
        for (const r of await ctx.em.find(Trainee, { ownerMinistry: requireOwnMinistry(ctx), nik: { $in: niks.slice(i, i + 500) } })) onRecord.set(r.nik, r);
      }
      const out: RowError[] = [];
      for (const g of rows) {
        const other = onRecord.get(String(g.values.nik));
        if (other && (g.id ? other.id !== g.id : other.externalId !== g.values.externalId)) {
          out.push({
            line: g.line,
            field: 'nik',
            message: `is on record already for another trainee of your ministry${other.externalId ? ` (externalId ${other.externalId})` : ''}`,
          });
        }
      }
      return out;
    },
  },
  statistics: {
    totals: { traineeCount: { sql: 'count(*)', description: 'Trainees.' } },
    breakdowns: {
      traineesByOriginProvince: { description: 'Trainees per home province.', key: 't.origin_province_code', label: 'province' },
      traineesBySex: { description: 'Trainees per sex.', key: 't.sex::text', label: 'enum' },
      traineesByStatus: { description: 'Trainees per status.', key: 't.status::text', label: 'enum' },
    },
  },
  fixture: {
    row: (_w, n) => ({
      nik: fixtureNik(n, Sex.FEMALE, '1998-04-12'),
      fullName: `Person ${n}`,
      sex: Sex.FEMALE,
      birthDate: '1998-04-12',
      originProvinceCode: '35',
      phone: '+62 812 1111 2222',
      email: 'person@mail.example',
      address: 'Desa Contoh',
    }),
    create: (_w, _fresh, n) => ({
      nik: fixtureNik(n, Sex.FEMALE, '1999-02-03'),
      fullName: 'Siti Aminah',
      sex: 'FEMALE',
      birthDate: '1999-02-03',
      originProvinceCode: '35',
      phone: '+62 812 3456 7890',
      email: 'siti@mail.example',
    }),
    bad: [
      ['malformed NIK', (v) => ({ ...v, nik: '12345' }), 'input.nik'],
      ['NIK of a man for a woman', (v) => ({ ...v, sex: 'MALE' }), 'input.nik'],
      ['NIK disagreeing with birth date', (v) => ({ ...v, birthDate: '1999-02-04' }), 'input.nik'],
      ['under 18', (v) => ({ ...v, birthDate: '2015-01-01' }), 'input.birthDate'],
      ['bad e-mail', (v) => ({ ...v, email: 'not-mail' }), 'input.email'],
      ['unknown province', (v) => ({ ...v, originProvinceCode: '00' }), 'input.originProvinceCode'],
    ],
    change: { fullName: 'Siti Aminah Putri', status: 'IN_TRAINING' },
    badChange: [{ sex: 'MALE' }, 'input.nik'],
  },
});
