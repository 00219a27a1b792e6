/**
 * Training steps of small conv2dTranspose / up-sampling models against tfjs's trainOnBatch with
 * the same weights: three SGD steps (lr 0.05, mean squared error) on the interpreter and on the
 * wasm executor, losses within 1e-5 and every weight within 1e-5 afterwards.
 *
 * tfjs 4.22's cpu ResizeNearestNeighborGrad misplaces the gradient of every image after the first
 * of a batch (test/train/op-gradients.test.ts shows it), so the nearest model is compared at
 * batch 1; bilinear (square images: its gradient's shape is [n, w, h, c]) at batch 6.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import { tensor } from '../../src/ir/tensor.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';

interface TrainCase {
  readonly name: string;
  readonly batch: number;
  readonly make: () => LayersModel;
}

const CASES: TrainCase[] = [
  {
    name: 'conv2d, upSampling2d bilinear, conv2dTranspose stride 2 same, dense',
    batch: 6,
    make: () =>
      sequential({
        layers: [
          layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [4, 4, 2] }),
          layers.upSampling2d({ interpolation: 'bilinear' }),
          layers.conv2dTranspose({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'tanh' }),
          layers.flatten(),
          layers.dense({ units: 5 }),
        ],
      }),
  },
  {
    name: 'conv2dTranspose 2x3 stride [2, 1] valid, upSampling2d nearest [2, 3], dense',
    batch: 1,
    make: () =>
      sequential({
        layers: [
          layers.conv2dTranspose({ filters: 3, kernelSize: [2, 3], strides: [2, 1], activation: 'relu', inputShape: [3, 2, 2] }),
          layers.upSampling2d({ size: [2, 3] }),
          layers.flatten(),
          layers.dense({ units: 4 }),
        ],
      }),
  },
  {
    name: 'dense over steps, upSampling1d 3, dense',
    batch: 6,
    make: () => sequential({ layers: [layers.dense({ units: 3, activation: 'tanh', inputShape: [5, 4] }), layers.upSampling1d({ size: 3 }), layers.flatten(), layers.dense({ units: 2 })] }),
  },
];

const STEPS = 3;
const size = (shape: readonly number[]) => shape.reduce((p, d) => p * d, 1);

describe.each(CASES)('$name', ({ batch, make }) => {
  beforeAll(async () => {
    await tfjsReady();
    await loadWasmBackend();
  });

  it.each(['interpreter', 'wasm'])('three SGD steps on the %s equal tfjs trainOnBatch', async (executor) => {
    const model = make();
    const rng = new Random(11);
    for (const layer of model.layers) for (const w of layer.weights) if (w.name.endsWith('/bias')) w.data = Float32Array.from(w.data, () => rng.uniform(-0.3, 0.3));
    const inShape = [batch, ...(model.inputs[0]!.shape.slice(1) as number[])];
    const outShape = [batch, ...(model.outputs[0]!.shape.slice(1) as number[])];
    const x = Float32Array.from({ length: size(inShape) }, () => rng.uniform(-1, 1));
    const y = Float32Array.from({ length: size(outShape) }, () => rng.uniform(-1, 1));
    const twin = buildTfjsTwin(model);
    const trainer = new Trainer(model.toGraph(), { optimizer: { name: 'sgd', learningRate: 0.05 }, loss: 'meanSquaredError' }, executor === 'wasm' ? { executor: wasmExecutor } : {});
    twin.compile({ optimizer: tf.train.sgd(0.05), loss: 'meanSquaredError' });
    for (let s = 0; s < STEPS; s++) {
      const [loss] = trainer.trainStep([tensor(inShape, x)], [tensor(outShape, y)]);
      const tfLoss = (await twin.trainOnBatch(tf.tensor(x, inShape), tf.tensor(y, outShape))) as number;
      expect(Math.abs(loss! - tfLoss), `loss at step ${s + 1}`).toBeLessThanOrEqual(1e-5);
    }
    const ours = trainer.graphs.params.map((p) => trainer.weights().get(p.name)!);
    const theirs = twin.getWeights().map((w) => w.dataSync());
    expect(ours.length).toBe(theirs.length);
    ours.forEach((w, i) => expect(maxAbsDiff(w, theirs[i]!), trainer.graphs.params[i]!.name).toBeLessThanOrEqual(1e-5));
    twin.dispose();
  });
});
