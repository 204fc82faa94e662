import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { badUserInput } from '../../shared/errors';
import { compact, ministryFilter } from '../../shared/filters';
import { fromGlobalId } from '../../shared/global-id';
import { assignPresent, loadReadable, loadWritable, ownedCrudResolver } from '../../shared/owned-crud';
import { Program } from '../program/program.entity';
import { Trainee } from '../trainee/trainee.entity';
import { Enrollment } from './enrollment.entity';
import { CreateEnrollmentInput, EnrollmentFilter, EnrollmentOrderField, UpdateEnrollmentInput } from './enrollment.inputs';

function assertDates(e: { enrolledOn?: string | null; completedOn?: string | null }) {
  if (e.enrolledOn && e.completedOn && e.completedOn < e.enrolledOn) throw badUserInput('completedOn is before enrolledOn.', 'input.completedOn');
}

export const EnrollmentCrudResolver = ownedCrudResolver({
  entity: Enrollment,
  resource: 'Enrollment',
  csvColumns: ['id', 'ownerMinistry', 'trainee', 'program', 'status', 'enrolledOn', 'completedOn', 'certificateIssuer', 'certificateScheme', 'certificateNumber', 'certificateIssuedOn'],
  listName: 'enrollments',
  createInput: CreateEnrollmentInput,
  updateInput: UpdateEnrollmentInput,
  filterInput: EnrollmentFilter,
  orderField: EnrollmentOrderField,
  orderProperty: { ENROLLED_ON: 'enrolledOn', CREATED_AT: 'createdAt' },
  where: (f: EnrollmentFilter) =>
    compact({
      ownerMinistry: ministryFilter(f.ownerMinistryId),
      program: f.programId ? fromGlobalId(f.programId, 'Program', 'filter.programId') : undefined,
      trainee: f.traineeId ? fromGlobalId(f.traineeId, 'Trainee', 'filter.traineeId') : undefined,
      status: f.status,
    }),
  create: async ({ traineeId, programId, ...input }: CreateEnrollmentInput, ctx: Context) => {
    // The enrollment belongs to the programme's ministry, so the programme must be the caller's own;
    // the trainee may be one shared with the caller under an MoU.
    const program = await loadWritable(ctx, Program, programId, 'input.programId');
    const trainee = await loadReadable(ctx, Trainee, traineeId, 'input.traineeId');
    assertDates(input);
    return ctx.em.create(Enrollment, { ...input, program, trainee } as never, { persist: false });
  },
  update: async (row: Enrollment, input: UpdateEnrollmentInput) => {
    assertDates({ enrolledOn: input.enrolledOn !== undefined ? input.enrolledOn : row.enrolledOn, completedOn: input.completedOn !== undefined ? input.completedOn : row.completedOn });
    assignPresent(row, input);
  },
});

@Resolver(() => Enrollment)
export class EnrollmentResolver {
  @FieldResolver(() => Trainee, { nullable: true, description: 'Null when the trainee is outside your read scope.' })
  trainee(@Root() e: Enrollment, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Trainee).load(e.trainee.id);
  }

  @FieldResolver(() => Program, { nullable: true })
  program(@Root() e: Enrollment, @Ctx() ctx: Context) {
    return ctx.loaders.byId(Program).load(e.program.id);
  }
}
