/** The rules of a programme record, shared by its mutations and the CSV import. */
import { badUserInput } from '../../shared/errors';

/** A programme ends on or after the day it starts. */
export function assertDateOrder(start: string | null | undefined, end: string | null | undefined, field: string) {
  if (start && end && end < start) throw badUserInput('endDate is before startDate.', field);
}
