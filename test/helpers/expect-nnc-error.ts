import { NncError } from '../../src/errors.js';

/** Runs `fn` and returns the NncError it throws; anything else (or nothing) fails the test. */
export function catchNnc(fn: () => unknown): NncError {
  try {
    fn();
  } catch (e) {
    if (e instanceof NncError) return e;
    throw new Error(`expected an NncError, got ${String(e)}`);
  }
  throw new Error('expected an NncError, nothing was thrown');
}
