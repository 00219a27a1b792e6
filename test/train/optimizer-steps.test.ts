/**
 * Training steps on the seed model (Fashion-MNIST MLP, first 32 training images) against tfjs's
 * optimizers built with the same hyper-parameters: one Adam step within 1e-6 (Keras' defaults
 * lr 1e-3, β1 0.9, β2 0.999, ε 1e-7), and three steps of each other optimizer within 2e-6
 * (state carried across steps: moments, momentum).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/frontend/loader.js';
import type { CompileConfig } from '../../src/frontend/training-config.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { loadFashionMnist } from '../../src/train/data/fashion-mnist.js';
import { Trainer } from '../../src/train/trainer.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';
import { exampleValues } from '../../src/train/batches.js';

const MODEL = 'examples/fashion-mnist/model.ts';
const N = 32;
let x: Float32Array;
let y: Float32Array;

async function compare(optimizer: CompileConfig['optimizer'], tfOptimizer: tf.Optimizer, steps: number): Promise<number> {
  const { model } = loadModelFile(MODEL, { typeCheck: false });
  const twin = buildTfjsTwin(model);
  const trainer = new Trainer(model.toGraph(), { optimizer, loss: 'sparseCategoricalCrossentropy' });
  twin.compile({ optimizer: tfOptimizer, loss: 'sparseCategoricalCrossentropy' });
  const xs: Tensor[] = [tensor([N, 28, 28], x)];
  const ys: Tensor[] = [tensor([N], y)];
  for (let s = 0; s < steps; s++) {
    const [loss] = trainer.trainStep(xs, ys);
    const tfLoss = (await twin.trainOnBatch(tf.tensor(x, [N, 28, 28]), tf.tensor(y, [N]))) as number;
    expect(Math.abs(loss! - tfLoss), `loss at step ${s + 1}`).toBeLessThan(1e-5);
  }
  const ours = trainer.graphs.params.map((p) => trainer.weights().get(p.name)!);
  const theirs = twin.getWeights().map((w) => w.dataSync());
  expect(ours.length).toBe(theirs.length);
  return Math.max(...ours.map((w, i) => maxAbsDiff(w, theirs[i]!)));
}

describe('optimizer steps vs tfjs', () => {
  beforeAll(async () => {
    await tfjsReady();
    const { train } = await loadFashionMnist({ baseUrl: null });
    x = exampleValues(train.x).data.slice(0, N * 784) as Float32Array;
    y = train.y.data.slice(0, N) as Float32Array;
  });

  it('one Adam step with Keras defaults equals tf.train.adam(1e-3, 0.9, 0.999, 1e-7) within 1e-6', async () => {
    expect(await compare('adam', tf.train.adam(1e-3, 0.9, 0.999, 1e-7), 1)).toBeLessThanOrEqual(1e-6);
  });

  it('three Adam steps with custom hyper-parameters', async () => {
    const d = await compare({ name: 'adam', learningRate: 0.01, beta1: 0.8, beta2: 0.99, epsilon: 1e-6 }, tf.train.adam(0.01, 0.8, 0.99, 1e-6), 3);
    expect(d).toBeLessThanOrEqual(2e-6);
  });

  it('sgd, plain and with (nesterov) momentum', async () => {
    expect(await compare('sgd', tf.train.sgd(0.01), 3)).toBeLessThanOrEqual(2e-6);
    expect(await compare({ name: 'sgd', learningRate: 0.05, momentum: 0.9 }, tf.train.momentum(0.05, 0.9), 3)).toBeLessThanOrEqual(2e-6);
    expect(await compare({ name: 'sgd', learningRate: 0.05, momentum: 0.9, nesterov: true }, tf.train.momentum(0.05, 0.9, true), 3)).toBeLessThanOrEqual(2e-6);
  });

  it('rmsprop with Keras defaults and with momentum', async () => {
    expect(await compare('rmsprop', tf.train.rmsprop(1e-3, 0.9, 0, 1e-7), 3)).toBeLessThanOrEqual(2e-6);
    expect(await compare({ name: 'rmsprop', momentum: 0.5 }, tf.train.rmsprop(1e-3, 0.9, 0.5, 1e-7), 3)).toBeLessThanOrEqual(2e-6);
  });
});
