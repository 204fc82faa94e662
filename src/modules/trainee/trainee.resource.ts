/** Trainees (calon PMI): the people the programme serves, and the most personal data in it. */
import type { Context } from '../../context';
import { assertPersonalQueryAllowed } from '../../access/personal-field';
import { requireOwnMinistry } from '../../access/guards';
import { mask } from '../../access/masking';
import { enumColumn as e } from '../../kernel/csv-columns';
import { importSpec, type RowError } from '../../kernel/csv-import';
import { assignPresent } from '../../kernel/owned-crud';
import { ownedResource } from '../../kernel/owned-resource';
import { EducationLevel, ResourceType, Sex, TraineeStatus } from '../../shared/enums';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { Enrollment } from '../enrollment/enrollment.entity';
import { Trainee } from './trainee.entity';
import { CreateTraineeInput, TraineeFilter, TraineeOrderField, UpdateTraineeInput } from './trainee.inputs';
import { assertNikConsistent } from './trainee.rules';

export const traineeResource = ownedResource({
  table: 'trainee',
  clause: ResourceType.TRAINEE,
  crud: {
    entity: Trainee,
    csvColumns: [
      'id',
      'externalId',
      'ownerMinistry',
      'nik',
      'fullName',
      'sex',
      'birthDate',
      'originProvinceCode',
      'originRegency',
      'phone',
      'email',
      'address',
      'educationLevel',
      'status',
    ],
    listName: 'trainees',
    createInput: CreateTraineeInput,
    updateInput: UpdateTraineeInput,
    filterInput: TraineeFilter,
    orderField: TraineeOrderField,
    orderProperty: { FULL_NAME: 'fullName', CREATED_AT: 'createdAt', BIRTH_DATE: 'birthDate' },
    personalFilterFields: (f: TraineeFilter) => (f.nik ? ['nik'] : []),
    personalOrderFields: { BIRTH_DATE: 'birthDate' },
    assertOrder: (field, f, ctx) => {
      if (field === TraineeOrderField.BIRTH_DATE) assertPersonalQueryAllowed(ctx, 'Trainee', ministryFilter(f.ownerMinistryId), 'orderBy.field');
    },
    where: (f: TraineeFilter, ctx: Context) => {
      if (f.nik) assertPersonalQueryAllowed(ctx, 'Trainee', ministryFilter(f.ownerMinistryId), 'filter.nik');
      return compact({
        ownerMinistry: ministryFilter(f.ownerMinistryId),
        nik: f.nik,
        originProvinceCode: f.originProvinceCode,
        sex: f.sex,
        status: f.status,
        fullName: searchFilter(f.search),
      });
    },
    create: async (input: CreateTraineeInput, ctx: Context) => {
      assertNikConsistent(input.nik, input.birthDate, input.sex);
      return ctx.em.create(Trainee, { ...input } as never, { persist: false });
    },
    update: async (row: Trainee, input: UpdateTraineeInput) => {
      assertNikConsistent(input.nik ?? row.nik, input.birthDate ?? row.birthDate, input.sex ?? row.sex);
      assignPresent(row, input);
    },
  },
  personal: {
    nik: { masker: mask.nik, description: '16-digit NIK.' },
    birthDate: { masker: mask.birthDate, description: 'Birth date, YYYY-MM-DD (masked: YYYY-**-**).' },
    phone: { masker: mask.phone, description: 'Phone number.', nullable: true },
    email: { masker: mask.email, description: 'E-mail address.', nullable: true },
    address: { masker: mask.address, description: 'Home address.', nullable: true },
  },
  children: {
    enrollments: { type: () => Enrollment, parentProperty: 'trainee', scoped: true, description: "This person's enrollments that your ministry may read." },
  },
  importer: importSpec({
    kind: 'TRAINEES',
    entity: Trainee,
    input: CreateTraineeInput,
    columns: [
      { name: 'externalId', type: 'string', required: true },
      { name: 'nik', type: 'string', required: true },
      { name: 'fullName', type: 'string', required: true },
      { name: 'sex', type: e(Sex), required: true },
      { name: 'birthDate', type: 'date', required: true },
      { name: 'originProvinceCode', type: 'string', required: true },
      { name: 'originRegency', type: 'string' },
      { name: 'phone', type: 'string' },
      { name: 'email', type: 'string' },
      { name: 'address', type: 'string' },
      { name: 'educationLevel', type: e(EducationLevel) },
      { name: 'status', type: e(TraineeStatus), default: TraineeStatus.REGISTERED },
    ],
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
        if (other && other.externalId !== g.values.externalId) {
          out.push({
            line: g.line,
            field: 'nik',
            message: `is on record already for another trainee of your ministry${other.externalId ? ` (externalId ${other.externalId})` : ''}`,
          });
        }
      }
      return out;
    },
  }),
  statistics: {
    totals: { traineeCount: { sql: 'count(*)' } },
    breakdowns: {
      traineesByOriginProvince: { key: 't.origin_province_code', label: 'province' },
      traineesBySex: { key: 't.sex::text', label: 'enum' },
      traineesByStatus: { key: 't.status::text', label: 'enum' },
    },
  },
});
