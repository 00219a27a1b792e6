/**
 * The CNN example (examples/fashion-mnist-cnn/model.ts) as `nnc build` trains it: its summary as
 * Keras prints it, its predictions on every backend against tfjs, and its training steps against tfjs's trainOnBatch on the same weights and
 * batches (28×28×1 images, batch 32, Adam and sparse categorical cross-entropy, as the example
 * compiles it). The wasm executor runs the step `nnc build` runs: the direct first convolution,
 * the Winograd second one, pooling fused into both and its gradients summed over pooled windows.
 *
 * tfjs draws its own dropout masks, so the tfjs comparison trains the example's layers without
 * its Dropout (the same configs, checked against the file); the step with Dropout is compared
 * between the wasm executor and the interpreter, which draw the same mask.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/frontend/loader.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import { sequential } from '../../src/frontend/sequential.js';
import { tensor } from '../../src/ir/tensor.js';
import { interpreterExecutor, type ExecutorFactory } from '../../src/train/executor.js';
import type { CompileConfig } from '../../src/frontend/training-config.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { expectBackendsMatchTfjs } from '../helpers/backends-vs-tfjs.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { summaryRows } from '../helpers/summary-rows.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';

const EXAMPLE = 'examples/fashion-mnist-cnn/model.ts';
const IMAGE = [28, 28, 1];
/** tfjs' cpu backend takes seconds per image batch here, so it trains on small (odd) batches. */
const TFJS_BATCH = 5;
const STEPS = 2;
/** The example's batch size, for the wasm step against the interpreter. */
const BATCH = 32;
const TOLERANCE = 1e-5;

const loadExample = (): LayersModel => loadModelFile(EXAMPLE, { typeCheck: false }).model;

/** The example's layers without Dropout, written out: a test checks they are the file's. */
const withoutDropout = (): LayersModel =>
  sequential({
    layers: [
      layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.conv2d({ filters: 64, kernelSize: 3, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.flatten(),
      layers.dense({ units: 10, activation: 'softmax' }),
    ],
  });

/** A layer's config without its name (names count up per model). */
const configOf = (layer: { getConfig(): Record<string, unknown> }) => {
  const { name: _, ...config } = layer.getConfig();
  return config;
};

interface Batch {
  readonly x: Float32Array;
  readonly y: Float32Array;
}

/** Batches of image-like pixels in [0, 1] and labels 0–9, one per step. */
function batches(seed: number, batch: number): Batch[] {
  const rng = new Random(seed);
  const pixels = batch * IMAGE.reduce((a, b) => a * b, 1);
  return Array.from({ length: STEPS }, () => ({
    x: Float32Array.from({ length: pixels }, () => rng.uniform(0, 1)),
    y: Float32Array.from({ length: batch }, () => rng.int(10)),
  }));
}

interface OptimizerCase {
  readonly name: string;
  readonly nnc: CompileConfig['optimizer'];
  readonly tfjs: () => tf.Optimizer;
  /**
   * How far a weight may end from tfjs's. SGD's step is the gradient times 0.1, and the
   * gradients agree within ~1e-7 (relative ~1e-6). Adam's first steps divide each gradient by its
   * own magnitude, so a weight whose gradient nearly cancels (|g| ~ 1e-6, where summing in
   * another order changes it by a few percent) moves by a visibly different share of the learning
   * rate: its bound is 5 % of one step (1e-3).
   */
  readonly weightTolerance: number;
}

const OPTIMIZERS: readonly OptimizerCase[] = [
  { name: 'SGD 0.1', nnc: { name: 'sgd', learningRate: 0.1 }, tfjs: () => tf.train.sgd(0.1), weightTolerance: 1e-6 },
  { name: 'Adam', nnc: 'adam', tfjs: () => tf.train.adam(1e-3, 0.9, 0.999, 1e-7), weightTolerance: 5e-5 },
];

/** tfjs's losses and final weights for the model trained on the batches. */
async function trainTfjs(model: LayersModel, optimizer: OptimizerCase, data: readonly Batch[]): Promise<{ losses: number[]; weights: Float32Array[] }> {
  const twin = buildTfjsTwin(model);
  twin.compile({ optimizer: optimizer.tfjs(), loss: 'sparseCategoricalCrossentropy' });
  const losses: number[] = [];
  for (const { x, y } of data) losses.push((await twin.trainOnBatch(tf.tensor(x, [TFJS_BATCH, ...IMAGE]), tf.tensor(y, [TFJS_BATCH]))) as number);
  const weights = twin.getWeights().map((w) => w.dataSync() as Float32Array);
  twin.dispose();
  return { losses, weights };
}

const EXECUTORS: readonly [string, ExecutorFactory][] = [
  ['interpreter', interpreterExecutor],
  ['wasm', wasmExecutor],
];

describe('the CNN example', () => {
  beforeAll(async () => {
    await tfjsReady();
    await loadWasmBackend();
  });

  it("prints Keras' summary: 34,826 parameters", () => {
    const model = loadExample();
    const text = model.summary(null);
    expect(summaryRows(text, 'Output Shape', 'Param #')).toEqual([
      ['[null,26,26,32]', 320],
      ['[null,13,13,32]', 0],
      ['[null,11,11,64]', 18496],
      ['[null,5,5,64]', 0],
      ['[null,1600]', 0],
      ['[null,1600]', 0],
      ['[null,10]', 16010],
    ]);
    expect(text).toContain('Total params: 34826 (136.04 KB)');
  });

  it('predicts as tfjs does at batch 1, 7 and 64: interpreter, the three wasm builds and WebGPU, within 1e-5', async () => {
    await expectBackendsMatchTfjs(loadExample(), [1, 7, 64], TOLERANCE);
  });

  it('trains the layers written in the file, with Adam and sparse categorical cross-entropy', () => {
    const example = loadExample();
    const written = withoutDropout();
    expect(example.layers.filter((l) => l.className !== 'Dropout').map(configOf)).toEqual(written.layers.map(configOf));
    expect(example.trainingConfig).toMatchObject({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
  });

  for (const optimizer of OPTIMIZERS)
    describe(optimizer.name, () => {
      const data = batches(5, TFJS_BATCH);
      // One model: its weights start tfjs's run and each executor's.
      const model = withoutDropout();
      let expected: { losses: number[]; weights: Float32Array[] };
      beforeAll(async () => {
        expected = await trainTfjs(model, optimizer, data);
      });

      for (const [executorName, executor] of EXECUTORS)
        it(`${STEPS} steps on the ${executorName} equal tfjs trainOnBatch: losses within ${TOLERANCE}, weights within ${optimizer.weightTolerance}`, () => {
          const trainer = new Trainer(model.toGraph(), { optimizer: optimizer.nnc, loss: 'sparseCategoricalCrossentropy' }, { executor });
          for (const [step, { x, y }] of data.entries()) {
            const [loss] = trainer.trainStep([tensor([TFJS_BATCH, ...IMAGE], x)], [tensor([TFJS_BATCH], y)]);
            expect(Math.abs(loss! - expected.losses[step]!), `loss at step ${step + 1}`).toBeLessThan(TOLERANCE);
          }
          const ours = trainer.graphs.params.map((p) => trainer.weights().get(p.name)!);
          expect(ours.length).toBe(expected.weights.length);
          ours.forEach((w, i) => expect(maxAbsDiff(w, expected.weights[i]!), trainer.graphs.params[i]!.name).toBeLessThanOrEqual(optimizer.weightTolerance));
        });
    });

  it(`with its Dropout, ${STEPS} Adam steps at batch ${BATCH} on the wasm equal the interpreter's (the same masks)`, () => {
    const [wasm, reference] = [wasmExecutor, interpreterExecutor].map((executor) => {
      const model = loadExample();
      return new Trainer(model.toGraph(), model.trainingConfig!, { executor, seed: 7 });
    });
    for (const [step, { x, y }] of batches(6, BATCH).entries()) {
      const inputs = [tensor([BATCH, ...IMAGE], x)];
      const labels = [tensor([BATCH], y)];
      const [lossWasm] = wasm!.trainStep(inputs, labels);
      const [lossReference] = reference!.trainStep(inputs, labels);
      expect(Math.abs(lossWasm! - lossReference!), `loss at step ${step + 1}`).toBeLessThan(TOLERANCE);
    }
    const adam = OPTIMIZERS.find((o) => o.name === 'Adam')!;
    for (const p of wasm!.graphs.params) expect(maxAbsDiff(wasm!.weights().get(p.name)!, reference!.weights().get(p.name)!), p.name).toBeLessThanOrEqual(adam.weightTolerance);
  });
});
