/** The rules of an enrollment: a place in the programme's intake, and dates in order. */
import { LockMode } from '@mikro-orm/core';
import type { Context } from '../../context';
import { EnrollmentStatus } from '../../shared/enums';
import { badUserInput, conflict } from '../../shared/errors';
import type { Program } from '../program/program.entity';
import { Enrollment } from './enrollment.entity';

/** Enrollments that take one of a programme's places in its intake: applicants and participants. */
export const HOLDS_PLACE: readonly EnrollmentStatus[] = [EnrollmentStatus.APPLIED, EnrollmentStatus.ENROLLED];

/**
 * Refuses an enrollment that would take more places than the programme's
 * `capacityPerIntake`. The programme row is locked for the rest of the
 * transaction first, so concurrent enrollments into one programme are
 * counted one after another and can never overshoot together (a trigger in
 * the database holds the same line for any other writer).
 */
export async function assertPlaceFree(ctx: Context, program: Program, field: string, except?: string) {
  await ctx.em.lock(program, LockMode.PESSIMISTIC_WRITE);
  const taken = await ctx.em.count(Enrollment, { program, status: { $in: [...HOLDS_PLACE] }, ...(except ? { id: { $ne: except } } : {}) });
  if (taken >= program.capacityPerIntake) throw conflict(`The programme is full: all ${program.capacityPerIntake} places of its intake are taken.`, field);
}

export function assertDates(e: { enrolledOn?: string | null; completedOn?: string | null }) {
  if (e.enrolledOn && e.completedOn && e.completedOn < e.enrolledOn) throw badUserInput('completedOn is before enrolledOn.', 'input.completedOn');
}
