import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../../context';
import { LockMode } from '@mikro-orm/core';
import { EnrollmentStatus } from '../../shared/enums';
import { badUserInput, conflict } from '../../shared/errors';
import { compact, ministryFilter } from '../../shared/filters';
import { fromGlobalId } from '../../shared/global-id';
import { assignPresent, loadReadable, loadWritable, ownedCrudResolver } from '../../kernel/owned-crud';
import { Program } from '../program/program.entity';
import { Trainee } from '../trainee/trainee.entity';
import { Enrollment } from './enrollment.entity';
import { CreateEnrollmentInput, EnrollmentFilter, EnrollmentOrderField, UpdateEnrollmentInput } from './enrollment.inputs';

/** Enrollments that take one of a programme's places in its intake: applicants and participants. */
export const HOLDS_PLACE: readonly EnrollmentStatus[] = [EnrollmentStatus.APPLIED, EnrollmentStatus.ENROLLED];

/**
 * Refuses an enrollment that would take more places than the programme's
 * `capacityPerIntake`. The programme row is locked for the rest of the
 * transaction first, so concurrent enrollments into one programme are
 * counted one after another and can never overshoot together (a trigger in
 * the database holds the same line for any other writer).
 */
async function assertPlaceFree(ctx: Context, program: Program, field: string, except?: string) {
  await ctx.em.lock(program, LockMode.PESSIMISTIC_WRITE);
  const taken = await ctx.em.count(Enrollment, { program, status: { $in: [...HOLDS_PLACE] }, ...(except ? { id: { $ne: except } } : {}) });
  if (taken >= program.capacityPerIntake) throw conflict(`The programme is full: all ${program.capacityPerIntake} places of its intake are taken.`, field);
}

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
    if (HOLDS_PLACE.includes(input.status ?? EnrollmentStatus.APPLIED)) await assertPlaceFree(ctx, program, 'input.programId');
    return ctx.em.create(Enrollment, { ...input, program, trainee } as never, { persist: false });
  },
  update: async (row: Enrollment, input: UpdateEnrollmentInput, ctx: Context) => {
    assertDates({ enrolledOn: input.enrolledOn !== undefined ? input.enrolledOn : row.enrolledOn, completedOn: input.completedOn !== undefined ? input.completedOn : row.completedOn });
    if (input.status && HOLDS_PLACE.includes(input.status) && !HOLDS_PLACE.includes(row.status)) {
      await assertPlaceFree(ctx, await ctx.em.findOneOrFail(Program, row.program.id), 'input.status', row.id);
    }
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
