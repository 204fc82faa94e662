import { expect } from 'vitest';
import type { Result } from './test-app';

/** Asserts the operation failed with `code` (and names `field`, when given). */
export function expectError(result: Result<unknown>, code: string, field?: string) {
  expect(result.errors, `expected ${code}, got data ${JSON.stringify(result.data)}`).toBeDefined();
  const error = result.errors![0];
  expect(error.extensions?.code).toBe(code);
  if (field) expect(error.extensions?.field).toBe(field);
  expect(JSON.stringify(result.errors)).not.toMatch(/stacktrace|at .*\.ts:\d+/);
  return error;
}

export function expectOk<T>(result: Result<T>): Present<T> {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data as Present<T>;
}

/**
 * An answer's data as a test reads it. Root fields, lists and statistics are
 * nullable in the schema only so that one refused or failed part does not erase
 * the rest of an answer (see CHANGELOG 2.0.0); in an answer without errors they
 * are all present, so `expectOk` drops their `| null`. A field that is null for
 * a domain reason and read as present still fails the test, at run time.
 */
export type Present<T> = T extends (infer I)[] ? Present<I>[] : T extends object ? { [K in keyof T]: Present<NonNullable<T[K]>> } : NonNullable<T>;
