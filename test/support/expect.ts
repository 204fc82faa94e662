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

export function expectOk<T>(result: Result<T>): T {
  expect(result.errors, JSON.stringify(result.errors)).toBeUndefined();
  return result.data as T;
}
