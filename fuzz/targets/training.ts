import { layers, sequential } from '../../src/frontend/index.js';
import type { Graph } from '../../src/ir/graph.js';
import { tensor } from '../../src/ir/tensor.js';
import type { CompileConfig } from '../../src/frontend/training-config.js';
import { Trainer, type FitOptions } from '../../src/train/trainer.js';
import type { FuzzTarget } from '../harness.js';
import type { Rng } from '../prng.js';

interface Model {
  readonly graph: Graph;
  readonly config: CompileConfig;
  readonly features: number;
  readonly classes: number | undefined;
}

function models(): Model[] {
  const classifier = sequential({ layers: [layers.dense({ inputShape: [3], units: 4, activation: 'relu' }), layers.dense({ units: 3, activation: 'softmax' })] });
  classifier.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  const regressor = sequential({ layers: [layers.dense({ inputShape: [3], units: 2 })] });
  regressor.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
  return [
    { graph: classifier.toGraph(), config: classifier.trainingConfig!, features: 3, classes: 3 },
    { graph: regressor.toGraph(), config: regressor.trainingConfig!, features: 3, classes: undefined },
  ];
}

const NUMBERS = [0, 1, 2, 3, -1, 0.5, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e9, 2 ** 31];
/** Epochs stay small when valid: a valid 1e9 would only be slow, not wrong. */
const EPOCHS = [1, 2, 0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, undefined];
const value = (rng: Rng, good: () => number) => (rng.chance(0.85) ? good() : rng.pick([Number.NaN, Number.POSITIVE_INFINITY, -1e30, 1e30]));

/** fit / evaluate / predict with mutated options, example counts, feature counts, labels and values. */
export const trainingTarget: FuzzTarget = {
  name: 'training',
  async prepare() {
    const all = models();
    return (rng) => {
      const m = rng.pick(all);
      const n = rng.chance(0.7) ? 1 + rng.int(8) : rng.pick([0, 1, 2]);
      const features = rng.chance(0.8) ? m.features : rng.pick([0, 1, 2, 4]);
      const yRows = rng.chance(0.85) ? n : rng.pick([0, n - 1, n + 1].filter((r) => r >= 0));
      const yCols = m.classes === undefined ? (rng.chance(0.85) ? 2 : rng.pick([1, 3])) : rng.chance(0.9) ? undefined : 1;
      const x = tensor([n, features], Array.from({ length: n * features }, () => value(rng, () => rng.next() * 2 - 1)));
      const label = () => (m.classes !== undefined ? (rng.chance(0.9) ? rng.int(m.classes) : rng.pick(NUMBERS)) : value(rng, () => rng.next()));
      const yShape = yCols === undefined ? [yRows] : [yRows, yCols];
      const y = tensor(yShape, Array.from({ length: yShape.reduce((a, b) => a * b, 1) }, label));
      const options: FitOptions = { epochs: rng.pick(EPOCHS), batchSize: rng.chance(0.6) ? 1 + rng.int(4) : rng.pick(NUMBERS), shuffle: rng.chance(0.5) };
      if (rng.chance(0.3)) options.validationSplit = rng.pick([0.25, 0.5, 0, 1, -0.5, Number.NaN]);
      const call = rng.int(4);
      const evalBatch = rng.chance(0.7) ? 1 + rng.int(4) : rng.pick(NUMBERS);
      const description = { model: m.classes === undefined ? 'regressor' : 'classifier', x: [n, features], y: yShape, options, call, evalBatch };
      return {
        files: { 'input.json': JSON.stringify(description, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2) },
        run() {
          const trainer = new Trainer(m.graph, m.config);
          if (call <= 1) trainer.fit({ x, y }, options);
          else if (call === 2) trainer.evaluate({ x, y }, evalBatch);
          else trainer.predict(x, evalBatch);
        },
      };
    };
  },
};
