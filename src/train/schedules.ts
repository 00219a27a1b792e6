/**
 * Learning-rate schedules, as Keras' `keras.optimizers.schedules`: a function of the optimizer's
 * step count (0 for the first update), given as an optimizer's `learningRate`:
 *
 *   model.compile({ optimizer: { name: 'sgd', learningRate: schedules.exponentialDecay({
 *     initialLearningRate: 0.1, decaySteps: 100, decayRate: 0.96 }) }, loss: 'mse' });
 */
import { NncError } from '../errors.js';

export interface LearningRateSchedule {
  readonly kind: 'learningRateSchedule';
  readonly name: string;
  /** The learning rate of the update after `step` earlier updates. */
  at(step: number): number;
}

export interface ExponentialDecayArgs {
  initialLearningRate: number;
  decaySteps: number;
  decayRate: number;
  /** Decay in whole steps of `decaySteps` (a staircase) instead of continuously (default false). */
  staircase?: boolean;
}

function positive(what: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new NncError('NNC5005', `exponentialDecay: ${what} must be a positive number, got ${String(v)}`);
  return v;
}

/** lr = initialLearningRate · decayRate^(step / decaySteps) (the exponent floored with staircase). */
export function exponentialDecay(args: ExponentialDecayArgs): LearningRateSchedule {
  const initial = positive('initialLearningRate', args.initialLearningRate);
  const steps = positive('decaySteps', args.decaySteps);
  const rate = positive('decayRate', args.decayRate);
  const staircase = args.staircase ?? false;
  return {
    kind: 'learningRateSchedule',
    name: 'exponentialDecay',
    at: (step) => initial * Math.pow(rate, staircase ? Math.floor(step / steps) : step / steps),
  };
}

export function isSchedule(v: unknown): v is LearningRateSchedule {
  return typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'learningRateSchedule';
}

export const schedules = { exponentialDecay };
