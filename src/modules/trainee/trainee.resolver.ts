import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { badUserInput } from '../../shared/errors';
import { compact, ministryFilter, searchFilter } from '../../shared/filters';
import { connectionOf } from '../../shared/pagination';
import { assignPresent, ownedCrudResolver } from '../../kernel/owned-crud';
import { relationConnection, RelationArgs } from '../../kernel/relation-connection';
import { Enrollment } from '../enrollment/enrollment.entity';
import { PERSONAL_FIELDS } from '../../access/masking';
import { assertPersonalQueryAllowed, personalValue } from '../../access/personal-field';
import { Trainee } from './trainee.entity';
import { assertNikConsistent } from './trainee.rules';
import { CreateTraineeInput, TraineeFilter, TraineeOrderField, UpdateTraineeInput } from './trainee.inputs';

// Created at load time: type-graphql must see every type before the schema is built.
const EnrollmentConnection = connectionOf(Enrollment);

export const TraineeCrudResolver = ownedCrudResolver({
  entity: Trainee,
  resource: 'Trainee',
  csvColumns: ['id', 'externalId', 'ownerMinistry', 'nik', 'fullName', 'sex', 'birthDate', 'originProvinceCode', 'originRegency', 'phone', 'email', 'address', 'educationLevel', 'status'],
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
});

const MASKED = ' Masked unless you are the owner ministry or a clause in force shares personal data with you; full reads by other ministries are logged.';

@Resolver(() => Trainee)
export class TraineeResolver {
  @FieldResolver(() => String, { description: `16-digit NIK. Personal data.${MASKED}` })
  nik(@Root() t: Trainee, @Ctx() ctx: Context) {
    return personalValue(ctx, 'Trainee', t, 'nik', t.nik, PERSONAL_FIELDS.Trainee.nik);
  }

  @FieldResolver(() => String, { description: `Birth date, YYYY-MM-DD (masked: YYYY-**-**). Personal data.${MASKED}` })
  birthDate(@Root() t: Trainee, @Ctx() ctx: Context) {
    return personalValue(ctx, 'Trainee', t, 'birthDate', t.birthDate, PERSONAL_FIELDS.Trainee.birthDate);
  }

  @FieldResolver(() => String, { nullable: true, description: `Personal data.${MASKED}` })
  phone(@Root() t: Trainee, @Ctx() ctx: Context) {
    return personalValue(ctx, 'Trainee', t, 'phone', t.phone, PERSONAL_FIELDS.Trainee.phone);
  }

  @FieldResolver(() => String, { nullable: true, description: `Personal data.${MASKED}` })
  email(@Root() t: Trainee, @Ctx() ctx: Context) {
    return personalValue(ctx, 'Trainee', t, 'email', t.email, PERSONAL_FIELDS.Trainee.email);
  }

  @FieldResolver(() => String, { nullable: true, description: `Personal data.${MASKED}` })
  address(@Root() t: Trainee, @Ctx() ctx: Context) {
    return personalValue(ctx, 'Trainee', t, 'address', t.address, PERSONAL_FIELDS.Trainee.address);
  }

  @FieldResolver(() => EnrollmentConnection, { description: 'This person\'s enrollments that your ministry may read.' })
  enrollments(@Root() trainee: Trainee, @Args(() => RelationArgs) args: RelationArgs, @Ctx() ctx: Context) {
    return relationConnection(ctx, EnrollmentConnection, { entity: Enrollment, parentProperty: 'trainee', resource: 'Enrollment' }, trainee.id, args);
  }
}
