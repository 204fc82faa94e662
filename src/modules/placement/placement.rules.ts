/**
 * The rules of a placement, in one place: the create and update mutations
 * and the CSV import all call `assertPlacement`.
 */
import { personalValue } from '../../resource/personal-field';
import { maskerOf } from '../../access/masking';
import type { Context } from '../../context';
import { badUserInput } from '../../shared/errors';
import { assertOpenDestinations } from '../country/country.rules';
import { destinationCountries } from '../country/country.service';
import { ageOn } from '../trainee/nik';
import { MIN_AGE } from '../trainee/trainee.rules';
import type { Trainee } from '../trainee/trainee.entity';
import { EmployerType, PlacementStatus } from './placement.entity';

/** A placement as it would be after the change. */
export interface PlacementFacts {
  destinationCountryCode: string;
  employerType: EmployerType;
  contractStart?: string | null;
  contractEnd?: string | null;
  departureDate?: string | null;
  status: PlacementStatus;
  hasReturneeBusiness: boolean;
}

/**
 * The trainee's age on the departure date (UU 18/2017: at least 18). It needs
 * the birth date, so only a ministry that may read the trainee's personal
 * data in full may record a departure — else the answer would reveal what it
 * sees masked — and a read under a clause is logged like any other.
 */
async function assertAdultOnDeparture(ctx: Context, trainee: Trainee, departureDate: string, field: string) {
  if (!ctx.scope.personalAccess('Trainee', trainee.ownerMinistry.id).full) {
    throw badUserInput(
      "Checking the trainee's age on departure needs their birth date: your ministry must own the trainee or receive their personal data under a clause in force.",
      field,
    );
  }
  const birthDate = await personalValue(ctx, 'Trainee', trainee, 'birthDate', trainee.birthDate, maskerOf(trainee.constructor, 'birthDate') ?? String);
  if (birthDate && ageOn(birthDate, departureDate) < MIN_AGE) {
    throw badUserInput(`The trainee is under ${MIN_AGE} on the departure date (UU 18/2017).`, field);
  }
}

export async function assertPlacement(ctx: Context, p: PlacementFacts, trainee: Trainee | null, prefix = 'input.'): Promise<void> {
  // The moratorium closes household (individual-employer) placement only: Kepmenaker 260/2015.
  assertOpenDestinations(
    await destinationCountries(ctx),
    [p.destinationCountryCode],
    p.employerType === EmployerType.INDIVIDUAL,
    `${prefix}destinationCountryCode`,
  );
  if (p.contractStart && p.contractEnd && p.contractEnd < p.contractStart) throw badUserInput('contractEnd is before contractStart.', `${prefix}contractEnd`);
  if ((p.status === PlacementStatus.DEPARTED || p.status === PlacementStatus.RETURNED) && !p.departureDate) {
    throw badUserInput(`A ${p.status.toLowerCase()} placement has a departure date.`, `${prefix}departureDate`);
  }
  if (p.hasReturneeBusiness && p.status !== PlacementStatus.RETURNED)
    throw badUserInput('Only a RETURNED placement links to a returnee business.', `${prefix}returneeBusinessId`);
  if (p.departureDate) {
    if (!trainee) throw badUserInput('The trainee is no longer in your read scope.', `${prefix}departureDate`);
    await assertAdultOnDeparture(ctx, trainee, p.departureDate, `${prefix}departureDate`);
  }
}
