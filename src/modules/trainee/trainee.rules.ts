/**
 * The rules of a trainee record, in one place: the create and update
 * mutations, the input classes and the CSV import all call these.
 */
import type { ValidationOptions } from 'class-validator';
import type { Sex } from '../../shared/enums';
import { badUserInput } from '../../shared/errors';
import { todayInJakarta } from '../../shared/time';
import { simple } from '../../shared/validators';
import { ageOn, nikMismatch, parseNik } from './nik';

export const IsNik = (o?: ValidationOptions) =>
  simple(
    'isNik',
    (v) => {
      const parsed = parseNik(String(v));
      return typeof parsed === 'string' ? parsed : null;
    },
    o,
  );

/** UU 18/2017: a migrant worker is at least 18. */
export const MIN_AGE = 18;
export const IsAdultBirthDate = (o?: ValidationOptions) =>
  simple(
    'isAdultBirthDate',
    (v) => (ageOn(String(v), todayInJakarta()) >= MIN_AGE ? null : `must be at least ${MIN_AGE} years ago (UU 18/2017 minimum age)`),
    o,
  );

/** NIK, birth date and sex must tell the same story (day + 40 for women). */
export function assertNikConsistent(nik: string, birthDate: string, sex: Sex) {
  const reason = nikMismatch(nik, birthDate, sex);
  if (reason) throw badUserInput(`${reason}.`, 'input.nik');
}
