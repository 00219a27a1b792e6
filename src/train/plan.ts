import { NncError } from '../errors.js';
import type { UserData } from './data/user-data.js';

/**
 * How a model file asks to be trained: its `export const training = {...}`. Either a built-in
 * data set or user data; the rest are Keras fit() arguments.
 *
 *   export const training = { dataset: 'fashion-mnist', epochs: 5, batchSize: 32 };
 *   export const training = { data: { x: [[0, 1], [1, 0]], y: [1, 0] }, epochs: 20 };
 *   export const training = { data: './data.json', epochs: 3, validationSplit: 0.1 };
 */
export interface TrainingPlan {
  dataset?: 'fashion-mnist';
  data?: UserData;
  epochs?: number;
  batchSize?: number;
  shuffle?: boolean;
  validationSplit?: number;
  /** Seeds shuffling and dropout (the initializer seed is the loader's). */
  seed?: number;
  /** Train on the first N training examples only (quick runs). */
  trainExamples?: number;
}

const KEYS = new Set(['dataset', 'data', 'epochs', 'batchSize', 'shuffle', 'validationSplit', 'seed', 'trainExamples']);

export function readTrainingPlan(value: unknown): TrainingPlan | undefined {
  if (value === undefined) return undefined;
  if (!value || typeof value !== 'object') throw new NncError('NNC5005', '`training` must be an object, e.g. { dataset: "fashion-mnist", epochs: 5 }');
  const plan = value as TrainingPlan;
  const unknown = Object.keys(plan).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) throw new NncError('NNC5005', `unknown training option(s): ${unknown.join(', ')}`, { hint: `Known options: ${[...KEYS].join(', ')}.` });
  if (plan.dataset !== undefined && plan.dataset !== 'fashion-mnist')
    throw new NncError('NNC5005', `unknown dataset '${String(plan.dataset)}'`, { hint: "Use dataset: 'fashion-mnist', or give your own data: { x, y }." });
  if ((plan.dataset === undefined) === (plan.data === undefined)) throw new NncError('NNC5005', '`training` needs exactly one of `dataset` and `data`');
  checkOptionValues(plan);
  return plan;
}

/** The largest batch a training step takes: its memory grows with the batch, checked before it is allocated. */
export const MAX_BATCH_SIZE = 65_536;

/** Each numeric or boolean option, by value, before anything is allocated (NNC5005 naming the option and the value). */
function checkOptionValues(plan: TrainingPlan): void {
  const bad = (key: string, want: string, value: unknown): never => {
    throw new NncError('NNC5005', `training.${key} must be ${want}, got ${typeof value === 'string' ? `'${value}'` : String(value)}`);
  };
  const integer = (key: 'epochs' | 'batchSize' | 'seed' | 'trainExamples', min: number, max = Number.MAX_SAFE_INTEGER) => {
    const v = plan[key];
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= min && v <= max))
      bad(key, `an integer from ${min}${max < Number.MAX_SAFE_INTEGER ? ` to ${max}` : ''}`, v);
  };
  integer('epochs', 0);
  integer('batchSize', 1, MAX_BATCH_SIZE);
  integer('seed', 0);
  integer('trainExamples', 1);
  const split = plan.validationSplit;
  if (split !== undefined && !(typeof split === 'number' && split > 0 && split < 1)) bad('validationSplit', 'a number between 0 and 1 (exclusive)', split);
  if (plan.shuffle !== undefined && typeof plan.shuffle !== 'boolean') bad('shuffle', 'true or false', plan.shuffle);
}
