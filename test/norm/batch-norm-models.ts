/** Models with BatchNormalization for the golden, training and fold tests, with non-trivial statistics. */
import { Random } from '../../src/frontend/random.js';
import { BatchNormalization, layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import type { BatchNormalizationArgs } from '../../src/frontend/layers/batch-normalization.js';

/**
 * Gives every batch norm of the model seeded gamma, beta and moving mean in [-1, 1) and moving
 * variance in [0.25, 2), so no case passes with the initializers' identity map.
 */
export function randomizeBatchNorms(m: LayersModel, seed = 3): LayersModel {
  const rng = new Random(seed);
  for (const layer of m.layers)
    if (layer instanceof BatchNormalization)
      for (const w of layer.weights)
        w.data = Float32Array.from(w.data, () => (w.name.endsWith('/moving_variance') ? rng.uniform(0.25, 2) : rng.uniform(-1, 1)));
  return m;
}

export interface BatchNormCase {
  readonly name: string;
  readonly make: () => LayersModel;
  /** Whether the optimizer folds the batch norm into the product before it. */
  readonly folds: boolean;
}

const dense = (bn: BatchNormalizationArgs, useBias = true) => () => {
  const x = input({ shape: [12] });
  const y = layers.batchNormalization(bn).apply(layers.dense({ units: 6, useBias }).apply(x));
  return randomizeBatchNorms(model({ inputs: x, outputs: layers.dense({ units: 3, activation: 'softmax' }).apply(y) }));
};

const conv = (bn: BatchNormalizationArgs, useBias = true, dataFormat: 'channelsLast' | 'channelsFirst' = 'channelsLast') => () =>
  randomizeBatchNorms(
    sequential({
      layers: [
        layers.conv2d({ inputShape: [6, 6, 2], filters: 4, kernelSize: 3, padding: 'same', useBias, dataFormat }),
        layers.batchNormalization(bn),
        layers.activation({ activation: 'relu' }),
        layers.flatten(),
        layers.dense({ units: 5 }),
      ],
    }),
  );

export const BN_CASES: readonly BatchNormCase[] = [
  { name: 'after dense', make: dense({}), folds: true },
  { name: 'after dense without bias, epsilon 0.01', make: dense({ epsilon: 0.01 }, false), folds: true },
  { name: 'after dense, center false', make: dense({ center: false }), folds: true },
  { name: 'after conv2d', make: conv({}), folds: true },
  { name: 'after conv2d, scale false', make: conv({ scale: false }), folds: true },
  { name: 'after conv2d without bias, center and scale false', make: conv({ center: false, scale: false }, false), folds: true },
  {
    name: 'on an input, axis 3',
    folds: false,
    make: () => {
      const x = input({ shape: [3, 4, 5] });
      return randomizeBatchNorms(model({ inputs: x, outputs: layers.batchNormalization({ axis: 3 }).apply(x) }));
    },
  },
  // The transposes that move axis 1 last cancel against the conv's, so the batch norm still folds.
  { name: 'after channels-first conv2d, axis 1', make: conv({ axis: 1 }, true, 'channelsFirst'), folds: true },
];
