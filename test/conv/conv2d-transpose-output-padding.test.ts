/**
 * Keras' Conv2DTranspose output_padding, which tfjs-layers lacks: the oracle is tfjs' own
 * conv2dTranspose op given the output shape Keras computes ((size − 1) · stride + kernel −
 * 2 · pad + output_padding), plus the bias and activation. Interpreter, the three wasm builds and
 * WebGPU at batch 1, 7 and 64; a Keras-2-style model.json with output_padding imports; export to
 * tfjs Layers JSON refuses it by name.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import type { Conv2DTransposeArgs } from '../../src/frontend/layers/index.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { Random } from '../../src/frontend/random.js';
import { sequential } from '../../src/frontend/sequential.js';
import { interpret } from '../../src/ir/interpreter.js';
import { expectBackendsMatchTfjs } from '../helpers/backends-vs-tfjs.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

interface Case {
  readonly name: string;
  readonly input: [number, number, number];
  readonly args: Conv2DTransposeArgs;
  readonly out: [number, number];
}

const CASES: readonly Case[] = [
  { name: "3x3 stride 2 'same', output_padding 1 (PyTorch's decoder form), relu", input: [4, 5, 3], args: { filters: 4, kernelSize: 3, strides: 2, padding: 'same', outputPadding: 1, activation: 'relu' }, out: [8, 10] },
  { name: "4x4 stride 2 'same', output_padding 1", input: [3, 4, 2], args: { filters: 3, kernelSize: 4, strides: 2, padding: 'same', outputPadding: 1 }, out: [5, 7] },
  { name: "3x2 strides [2, 3] 'valid', output_padding [1, 2], no bias, tanh", input: [3, 3, 2], args: { filters: 5, kernelSize: [3, 2], strides: [2, 3], outputPadding: [1, 2], useBias: false, activation: 'tanh' }, out: [8, 10] },
  { name: "3x3 stride 1 'same', output_padding 0", input: [5, 4, 2], args: { filters: 2, kernelSize: 3, padding: 'same', outputPadding: 0 }, out: [5, 4] },
];

/** A model of the one layer with seeded non-zero biases. */
function modelOf({ input, args }: Case): LayersModel {
  const model = sequential({ layers: [layers.conv2dTranspose({ ...args, inputShape: input })] });
  const rng = new Random(3);
  for (const w of model.layers[0]!.weights) if (w.name.endsWith('/bias')) w.data = Float32Array.from(w.data, () => rng.uniform(-0.5, 0.5));
  return model;
}

/** tfjs' conv2dTranspose op on the layer's own weights, to the output shape Keras computes. */
async function oracle(m: LayersModel, flat: Record<string, Float32Array>, batch: number, c: Case): Promise<Record<string, Float32Array>> {
  const [kernel, bias] = m.layers[0]!.weights;
  const strides = typeof c.args.strides === 'number' ? c.args.strides : (c.args.strides ?? 1);
  const y = tf.tidy(() => {
    const x = tf.tensor4d(flat[m.inputNames[0]!]!, [batch, ...c.input]);
    const w = tf.tensor4d(kernel!.data, kernel!.shape as [number, number, number, number]);
    let out = tf.conv2dTranspose(x, w, [batch, ...c.out, c.args.filters], strides as number | [number, number], c.args.padding ?? 'valid');
    if (bias) out = tf.add(out, tf.tensor1d(bias.data));
    if (c.args.activation === 'relu') out = tf.relu(out);
    if (c.args.activation === 'tanh') out = tf.tanh(out);
    return out;
  });
  const data = (await y.data()) as Float32Array;
  y.dispose();
  return { [m.outputNames[0]!]: data };
}

describe('Conv2DTranspose outputPadding against tfjs conv2dTranspose', () => {
  beforeAll(() => tfjsReady());

  for (const c of CASES)
    it(`${c.name}: output [${c.out.join(', ')}] on every backend at batch 1, 7 and 64`, async () => {
      const model = modelOf(c);
      expect(model.outputs[0]!.shape).toEqual([null, ...c.out, c.args.filters]);
      await expectBackendsMatchTfjs(model, [1, 7, 64], 1e-5, (m, flat, batch) => oracle(m, flat, batch, c));
    });

  it("refuses an output_padding whose conv would not give the input's size back (an even 'same' kernel, output_padding 0)", () => {
    const e = catchNnc(() => sequential({ layers: [layers.conv2dTranspose({ filters: 2, kernelSize: 4, strides: 2, padding: 'same', outputPadding: 0, inputShape: [3, 3, 1], name: 'up' })] }).toGraph());
    expect([e.code, e.location?.layer]).toEqual(['NNC2003', 'up']);
    expect(e.message).toMatch(/outputPadding \[0,0\] gives an output \[4, 4\] whose same conv has \[2, 2\] cells, not the input's \[3, 3\]/);
  });

  it("writes Keras' output_padding; a Keras model.json with it imports and predicts the same; tfjs export refuses it by name", async () => {
    // The 'valid' case: without output_padding its result would be [7, 9].
    const model = modelOf(CASES[2]!);
    expect(model.layers[0]!.getConfig()).toMatchObject({ output_padding: [1, 2] });
    // A Keras 2 file: tfjs saves the layer, then output_padding is written in as Keras writes it.
    const twin = tf.sequential({ layers: [tf.layers.conv2dTranspose({ inputShape: [3, 3, 2], filters: 5, kernelSize: [3, 2], strides: [2, 3], useBias: false, activation: 'tanh' })] });
    twin.setWeights(model.layers[0]!.weights.map((w) => tf.tensor(w.data, w.shape as number[])));
    const { dir, json } = await saveTfjsModel<{ modelTopology: { config: { layers: { config: Record<string, unknown> }[] } } }>(twin);
    json.modelTopology.config.layers.at(-1)!.config.output_padding = [1, 2];
    writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
    twin.dispose();
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    const [ours, reference] = [imported.toGraph(), model.toGraph()];
    const { tensors } = randomInputs(reference, 3);
    const x = Object.values(tensors)[0]!;
    expect(ours.outputs[0]!.node.type.shape).toEqual([null, 8, 10, 5]);
    expect(maxAbsDiff(Object.values(interpret(ours, { [ours.inputs[0]!.name!]: x }))[0]!.data, Object.values(interpret(reference, tensors))[0]!.data)).toBe(0);
    const refusal = catchNnc(() => toTfjsArtifacts(model));
    expect([refusal.code, refusal.message]).toEqual(['NNC4001', expect.stringMatching(/Conv2DTranspose has no output_padding/)]);
  });
});
