/**
 * Keras' Conv2D `groups` (ResNeXt's grouped convolution), which tfjs-layers lacks: the oracle is
 * tfjs' own conv2d op per group on the channel slices, concatenated, plus the bias and
 * activation. Predictions on the interpreter, the three wasm builds and WebGPU at batch 1, 7 and
 * 64; an SGD step against tf.variableGrads of the same function; the summary's parameter count;
 * a Keras model.json with groups imports; export to tfjs Layers JSON refuses it by name.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import type { Conv2DArgs } from '../../src/frontend/layers/conv2d.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import { sequential } from '../../src/frontend/sequential.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { expectBackendsMatchTfjs } from '../helpers/backends-vs-tfjs.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

interface Case {
  readonly name: string;
  readonly input: [number, number, number];
  readonly args: Conv2DArgs;
}

const CASES: readonly Case[] = [
  { name: "2 groups, 3x3 'same', relu", input: [6, 5, 4], args: { filters: 6, kernelSize: 3, padding: 'same', groups: 2, activation: 'relu' } },
  { name: '4 groups, 3x3 stride 2, no bias', input: [7, 8, 8], args: { filters: 4, kernelSize: 3, strides: 2, groups: 4, useBias: false } },
  { name: "2 groups, channels first, 3x2 'valid', tanh", input: [4, 6, 5], args: { filters: 6, kernelSize: [3, 2], groups: 2, dataFormat: 'channelsFirst', activation: 'tanh' } },
];

function modelOf({ input, args }: Case): LayersModel {
  const model = sequential({ layers: [layers.conv2d({ ...args, inputShape: input })] });
  const rng = new Random(4);
  for (const w of model.layers[0]!.weights) if (w.name.endsWith('/bias')) w.data = Float32Array.from(w.data, () => rng.uniform(-0.5, 0.5));
  return model;
}

/** The grouped conv in tfjs ops on the layer's weights: x [n, ...input] in the layer's format. */
function tfjsGrouped(c: Case, kernel: tf.Tensor4D, bias: tf.Tensor1D | undefined, x: tf.Tensor4D): tf.Tensor4D {
  const first = c.args.dataFormat === 'channelsFirst';
  const nhwc = first ? tf.transpose(x, [0, 2, 3, 1]) : x;
  const groups = c.args.groups!;
  const xs = tf.split(nhwc, groups, 3) as tf.Tensor4D[];
  const ws = tf.split(kernel, groups, 3) as tf.Tensor4D[];
  const strides = (c.args.strides ?? 1) as number;
  let y = tf.concat(xs.map((xj, j) => tf.conv2d(xj, ws[j]!, strides, c.args.padding ?? 'valid')), 3) as tf.Tensor4D;
  if (bias) y = tf.add(y, bias);
  if (c.args.activation === 'relu') y = tf.relu(y);
  if (c.args.activation === 'tanh') y = tf.tanh(y);
  return first ? tf.transpose(y, [0, 3, 1, 2]) : y;
}

const weightsOf = (m: LayersModel): [tf.Tensor4D, tf.Tensor1D | undefined] => {
  const [kernel, bias] = m.layers[0]!.weights;
  return [tf.tensor4d(kernel!.data, kernel!.shape as [number, number, number, number]), bias ? tf.tensor1d(bias.data) : undefined];
};

describe('Conv2D groups against tfjs conv2d per group', () => {
  beforeAll(async () => {
    await tfjsReady();
    await loadWasmBackend();
  });

  for (const c of CASES)
    it(`${c.name}: every backend at batch 1, 7 and 64`, async () => {
      const model = modelOf(c);
      await expectBackendsMatchTfjs(model, [1, 7, 64], 1e-5, async (m, flat, batch) => {
        const y = tf.tidy(() => tfjsGrouped(c, ...weightsOf(m), tf.tensor4d(flat[m.inputNames[0]!]!, [batch, ...c.input])));
        const data = (await y.data()) as Float32Array;
        y.dispose();
        return { [m.outputNames[0]!]: data };
      });
    });

  it('an SGD step on the wasm executor equals one on tf.variableGrads of the same function', () => {
    const c = CASES[0]!;
    const model = modelOf(c);
    const batch = 5;
    const rng = new Random(8);
    const x = Float32Array.from({ length: batch * 6 * 5 * 4 }, () => rng.uniform(-1, 1));
    const y = Float32Array.from({ length: batch * 6 * 5 * 6 }, () => rng.uniform(-1, 1));
    const [kernel, bias] = weightsOf(model).map((t) => tf.variable(t!)) as [tf.Variable<tf.Rank.R4>, tf.Variable<tf.Rank.R1>];
    const { grads } = tf.variableGrads(() => tf.losses.meanSquaredError(tf.tensor4d(y, [batch, 6, 5, 6]), tfjsGrouped(c, kernel, bias, tf.tensor4d(x, [batch, ...c.input]))) as tf.Scalar, [kernel, bias]);
    const trainer = new Trainer(model.toGraph(), { optimizer: { name: 'sgd', learningRate: 0.1 }, loss: 'meanSquaredError' }, { executor: wasmExecutor });
    trainer.trainStep([tensor([batch, ...c.input], x)], [tensor([batch, 6, 5, 6], y)]);
    const expected = [kernel, bias].map((v) => tf.sub(v, tf.mul(grads[v.name]!, 0.1)).dataSync());
    trainer.graphs.params.forEach((p, i) => expect(maxAbsDiff(trainer.weights().get(p.name)!, expected[i]!), p.name).toBeLessThanOrEqual(1e-6));
  });

  it("counts Keras' parameters (kernel [3, 3, in / groups, filters]) and refuses groups that do not divide", () => {
    const model = modelOf(CASES[0]!);
    expect(model.layers[0]!.weights.map((w) => w.shape)).toEqual([[3, 3, 2, 6], [6]]);
    expect(model.summary(null)).toMatch(/\(None, 6, 5, 6\)\s+114\s/);
    expect(model.layers[0]!.getConfig()).toMatchObject({ groups: 2 });
    expect(catchNnc(() => layers.conv2d({ filters: 5, kernelSize: 3, groups: 2 })).message).toMatch(/filters 5 is not a multiple of groups 2/);
    const channels = catchNnc(() => sequential({ layers: [layers.conv2d({ filters: 6, kernelSize: 3, groups: 3, inputShape: [5, 5, 4], name: 'g' })] }).toGraph());
    expect([channels.code, channels.location?.layer, channels.message]).toEqual(['NNC2003', 'g', expect.stringMatching(/4 channels are not a multiple of groups 3/)]);
    expect(catchNnc(() => layers.conv2dTranspose({ filters: 4, kernelSize: 3, groups: 2 })).message).toMatch(/groups 2 is not supported by Conv2DTranspose/);
  });

  it('a Keras model.json with groups imports and predicts the same; tfjs export refuses it by name', async () => {
    const model = modelOf(CASES[0]!);
    // tfjs saves a conv of 2 input channels (its kernel is [3, 3, 2, 6]); the file then says, as
    // Keras writes it, groups 2 over 4 input channels: the same kernel.
    const twin = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [6, 5, 2], filters: 6, kernelSize: 3, padding: 'same', activation: 'relu' })] });
    twin.setWeights(weightsOf(model) as tf.Tensor[]);
    type Saved = { modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } };
    const { dir, json } = await saveTfjsModel<Saved>(twin);
    twin.dispose();
    const conv = json.modelTopology.config.layers.at(-1)!.config;
    Object.assign(conv, { groups: 2, batch_input_shape: [null, 6, 5, 4] });
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    const [ours, reference] = [loadTfjsLayersModel(join(dir, 'model.json')).toGraph(), model.toGraph()];
    const { tensors } = randomInputs(reference, 3);
    const x = Object.values(tensors)[0]!;
    expect(maxAbsDiff(Object.values(interpret(ours, { [ours.inputs[0]!.name!]: x }))[0]!.data, Object.values(interpret(reference, tensors))[0]!.data)).toBe(0);
    const refusal = catchNnc(() => toTfjsArtifacts(model));
    expect([refusal.code, refusal.message]).toEqual(['NNC4001', expect.stringMatching(/Conv2D has no groups/)]);
  });
});
