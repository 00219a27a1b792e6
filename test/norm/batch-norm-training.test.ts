/**
 * Training with BatchNormalization against tfjs-layers' trainOnBatch on the same weights: a
 * conv2d → batch norm → relu → flatten → dense softmax model, channels-last (axis -1) and
 * channels-first (axis 1: statistics per channel over the batch, height and width), two steps on
 * different batches, through the interpreter and the wasm executor. Each step's loss, every trainable weight and the
 * moving mean and variance (tfjs' update: moving - (moving - batch) · (1 - momentum), with the
 * biased batch variance) agree within 1e-5; evaluate() afterwards uses the moving statistics.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { sequential } from '../../src/frontend/sequential.js';
import { Random } from '../../src/frontend/random.js';
import type { CompileConfig } from '../../src/frontend/training-config.js';
import { tensor } from '../../src/ir/tensor.js';
import type { ExecutorFactory } from '../../src/train/executor.js';
import { interpreterExecutor } from '../../src/train/executor.js';
import { stateInput } from '../../src/train/step-graph.js';
import { Trainer } from '../../src/train/trainer.js';
import { fitIfRequested } from '../../src/train/fit-from-model-file.js';
import { wasmExecutor } from '../../src/train/wasm-executor.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';
import { randomizeBatchNorms } from './batch-norm-models.js';

const BATCH = 7;
const TOLERANCE = 1e-5;

/** The model in one data format: its input shape and batch norm axis follow. */
const FORMATS = [
  { dataFormat: 'channelsLast', shape: [5, 5, 2], axis: -1 },
  { dataFormat: 'channelsFirst', shape: [2, 5, 5], axis: 1 },
] as const;
type Format = (typeof FORMATS)[number];

const makeModel = ({ dataFormat, shape, axis }: Format = FORMATS[0]) =>
  randomizeBatchNorms(
    sequential({
      layers: [
        // No conv bias: a batch norm cancels it, so its gradient is rounding noise that Adam would
        // scale up to full steps of either sign.
        layers.conv2d({ inputShape: [...shape], filters: 3, kernelSize: 3, padding: 'same', useBias: false, dataFormat }),
        layers.batchNormalization({ momentum: 0.9, axis }),
        layers.activation({ activation: 'relu' }),
        layers.flatten(),
        layers.dense({ units: 4, activation: 'softmax' }),
      ],
    }),
  );

function batchData(seed: number, shape: readonly number[] = FORMATS[0].shape): { x: Float32Array; y: Float32Array } {
  const rng = new Random(seed);
  const x = Float32Array.from({ length: BATCH * shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
  const y = Float32Array.from({ length: BATCH }, () => rng.int(4));
  return { x, y };
}

const CASES: readonly { name: string; nnc: CompileConfig['optimizer']; tfjs: () => tf.Optimizer }[] = [
  { name: 'sgd 0.1', nnc: { name: 'sgd', learningRate: 0.1 }, tfjs: () => tf.train.sgd(0.1) },
  { name: 'adam', nnc: 'adam', tfjs: () => tf.train.adam(1e-3, 0.9, 0.999, 1e-7) },
];

const EXECUTORS: readonly [string, ExecutorFactory][] = [
  ['interpreter', interpreterExecutor],
  ['wasm', wasmExecutor],
];

describe('batch normalization training vs tfjs trainOnBatch', () => {
  beforeAll(() => tfjsReady());

  for (const [format, c] of FORMATS.flatMap((f) => CASES.map((c) => [f, c] as const)))
    for (const [executorName, executor] of EXECUTORS)
      it(`${format.dataFormat}, axis ${format.axis}, ${c.name}, ${executorName}: losses, weights and moving statistics over two steps`, async () => {
        const shape = format.shape;
        const model = makeModel(format);
        const twin = buildTfjsTwin(model);
        twin.compile({ optimizer: c.tfjs(), loss: 'sparseCategoricalCrossentropy' });
        const trainer = new Trainer(model.toGraph(), { optimizer: c.nnc, loss: 'sparseCategoricalCrossentropy' }, { executor });
        await trainer.prepare(BATCH, BATCH, [BATCH]);
        const bn = model.layers.find((l) => l.className === 'BatchNormalization')!;
        const movingBefore = bn.weights.slice(-2).map((w) => Float32Array.from(w.data));
        for (const seed of [1, 2]) {
          const { x, y } = batchData(seed, shape);
          const [loss] = trainer.trainStep([tensor([BATCH, ...shape], x)], [tensor([BATCH], y)]);
          const tfLoss = (await twin.trainOnBatch(tf.tensor(x, [BATCH, ...shape]), tf.tensor(y, [BATCH]))) as number;
          expect(Math.abs(loss! - tfLoss), `loss at step ${seed}`).toBeLessThan(TOLERANCE);
        }
        const trained = trainer.trainedGraph().weights;
        for (const layer of model.layers.filter((l) => l.weights.length > 0)) {
          const theirs = twin.getLayer(layer.name).getWeights();
          expect(theirs.length, layer.name).toBe(layer.weights.length);
          layer.weights.forEach((w, i) => expect(maxAbsDiff(trained.get(w.name)!, theirs[i]!.dataSync()), w.name).toBeLessThanOrEqual(TOLERANCE));
        }
        // The moving statistics did move (tfjs updates them in trainOnBatch), and are step state, not parameters.
        bn.weights.slice(-2).forEach((w, i) => expect(maxAbsDiff(trained.get(w.name)!, movingBefore[i]!), w.name).toBeGreaterThan(1e-3));
        expect(trainer.graphs.state.map((s) => s.name)).toEqual([`${bn.name}/moving_mean`, `${bn.name}/moving_variance`]);
        expect(trainer.graphs.params.map((p) => p.name)).not.toContain(`${bn.name}/moving_mean`);
        expect(trainer.graphs.train.outputs.map((o) => o.name)).toContain(stateInput(`${bn.name}/moving_variance`));
        // Evaluation runs the inference form on the moving statistics, as tfjs' evaluate.
        const { x, y } = batchData(3, shape);
        const [evalLoss] = trainer.evaluate({ x: tensor([BATCH, ...shape], x), y: tensor([BATCH], y) }, BATCH);
        const tfEval = twin.evaluate(tf.tensor(x, [BATCH, ...shape]), tf.tensor(y, [BATCH])) as tf.Scalar;
        expect(Math.abs(evalLoss! - tfEval.dataSync()[0]!), 'evaluate loss').toBeLessThan(TOLERANCE);
        twin.dispose();
      });

  it('a model file fit writes the moving statistics back into the layer', async () => {
    const model = makeModel();
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const bn = model.layers.find((l) => l.className === 'BatchNormalization')!;
    const before = bn.weights.map((w) => Float32Array.from(w.data));
    const { x, y } = batchData(4);
    const data = { x: { shape: [BATCH, ...FORMATS[0].shape], data: [...x] }, y: [...y] };
    const exports = { training: { data, epochs: 2, batchSize: BATCH, shuffle: false } };
    const result = await fitIfRequested({ file: 'inline.ts', model, exports }, { sink: { isTTY: false, write: () => {} } });
    const state = result!.trainer.stateWeights();
    for (const [i, w] of bn.weights.entries()) {
      expect(maxAbsDiff(w.data, before[i]!), w.name).toBeGreaterThan(1e-4);
      if (!w.trainable) expect(w.data, w.name).toEqual(state.get(w.name));
    }
  });
});
