/**
 * The value, or an error naming what was missing: for facts the code relies
 * on that the type system cannot see (a seeded ministry, a map entry just
 * set). Use it instead of a non-null assertion, which would fail later and
 * somewhere else.
 */
export function present<T>(value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) throw new Error(`${what} is missing`);
  return value;
}
