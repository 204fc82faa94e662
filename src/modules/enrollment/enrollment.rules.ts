/** The rules of an enrollment: a place in the programme's intake, and dates in order. */
import { LockMode } from '@mikro-orm/core';
import type { Context } from '../../context';
import { EnrollmentStatus } from '../../shared/enums';
import { badUserInput, conflict } from '../../shared/errors';
import type { Program } from '../program/program.entity';
import { Enrollment } from './enrollment.entity';
import { todayInJakarta } from '../../shared/time';

/** Enrollments that take one of a programme's places in its intake: applicants and participants. */
export const HOLDS_PLACE: readonly EnrollmentStatus[] = [EnrollmentStatus.APPLIED, EnrollmentStatus.ENROLLED];

/**
 * Refuses an enrollment that would take more places than the programme's
 * `capacityPerIntake`. The programme row is locked for the rest of the
 * transaction first, so concurrent enrollments into one programme are
 * counted one after another and can never overshoot together (a trigger in
 * the database holds the same line for any other writer).
 */
/**
 * Refuses a capacity below the places already taken (a database trigger
 * holds the same line for every writer). Locks the programme row first, as
 * an enrollment does, so the two take turns.
 */
export async function assertCapacityCovers(ctx: Context, programId: string, capacity: number, field: string) {
  // By id: the update path holds the row as read ahead, not as a managed entity.
  await ctx.em.execute('select id from program where id = ? for update', [programId]);
  const taken = await ctx.em.count(Enrollment, { program: programId, status: { $in: [...HOLDS_PLACE] } });
  if (taken > capacity) throw conflict(`${taken} places of this programme's intake are taken: its capacity cannot drop below ${taken}.`, field);
}

export async function assertPlaceFree(ctx: Context, program: Program, field: string, except?: string) {
  await ctx.em.lock(program, LockMode.PESSIMISTIC_WRITE);
  const taken = await ctx.em.count(Enrollment, { program, status: { $in: [...HOLDS_PLACE] }, ...(except ? { id: { $ne: except } } : {}) });
  if (taken >= program.capacityPerIntake) throw conflict(`The programme is full: all ${program.capacityPerIntake} places of its intake are taken.`, field);
}

/** An enrollment as it would be after the change: the state its rules are checked on. */
export interface EnrollmentFacts {
  status: EnrollmentStatus;
  enrolledOn?: string | null;
  completedOn?: string | null;
  certificateIssuedOn?: string | null;
}

/**
 * Dates that tell one story: completion after enrollment, a COMPLETED
 * enrollment with both dates and completed by today, and no certificate
 * issued in the future (or before the trainee enrolled). Checked on the
 * record as it would be, so no sequence of updates reaches a state a single
 * one could not.
 */
export function assertDates(e: EnrollmentFacts) {
  const today = todayInJakarta();
  if (e.enrolledOn && e.completedOn && e.completedOn < e.enrolledOn) throw badUserInput('completedOn is before enrolledOn.', 'input.completedOn');
  if (e.status === EnrollmentStatus.COMPLETED) {
    if (!e.enrolledOn) throw badUserInput('A COMPLETED enrollment needs the day it began (enrolledOn).', 'input.enrolledOn');
    if (!e.completedOn) throw badUserInput('A COMPLETED enrollment needs the day it was completed (completedOn).', 'input.completedOn');
    if (e.completedOn > today) throw badUserInput(`completedOn is in the future (today is ${today}).`, 'input.completedOn');
  }
  if (e.certificateIssuedOn) {
    if (e.certificateIssuedOn > today) throw badUserInput(`certificateIssuedOn is in the future (today is ${today}).`, 'input.certificateIssuedOn');
    if (e.enrolledOn && e.certificateIssuedOn < e.enrolledOn) throw badUserInput('certificateIssuedOn is before enrolledOn.', 'input.certificateIssuedOn');
  }
}
