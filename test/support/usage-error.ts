/** The UsageError `fn` throws (the test fails when it throws nothing or something else). */
import { expect } from 'vitest';
import { UsageError } from '../../src/harness/cli-args.js';

export function usageError(fn: () => unknown): UsageError {
  let caught: unknown = null;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(UsageError);
  return caught as UsageError;
}
