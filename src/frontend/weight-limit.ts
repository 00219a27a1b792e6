import { NncError, type NncLocation } from '../errors.js';

/** The most weight bytes one model may declare, unless --max-weights-mb says otherwise. */
export const DEFAULT_MAX_WEIGHTS_MB = 2048;

let maxBytes = DEFAULT_MAX_WEIGHTS_MB * 2 ** 20;

/** Sets the limit for the models loaded from now on (the CLI's --max-weights-mb). */
export function setMaxWeightsMb(mb: number): void {
  maxBytes = mb * 2 ** 20;
}

/**
 * Checked before a weight is allocated or read: a layer with `units: 1e9` or a manifest that
 * declares a tensor of 2^40 floats gets a diagnostic, not an allocation that takes the machine's
 * memory or a RangeError from deep inside.
 */
export function checkWeightBytes(bytes: number, what: string, location: NncLocation): void {
  if (Number.isFinite(bytes) && bytes <= maxBytes) return;
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MB`;
  throw new NncError('NNC1025', `${what} needs ${Number.isFinite(bytes) ? mb(bytes) : 'an unbounded number of bytes'}, over the limit of ${mb(maxBytes)}`, {
    location,
  });
}
