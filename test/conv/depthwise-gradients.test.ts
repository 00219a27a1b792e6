/**
 * depthwise_conv2d's gradients: the gradient rules of depthwise_conv2d and its two gradient ops
 * against central finite differences on the interpreter (loss = sum(op(...) · R), step 1e-3, the
 * ops bilinear so |Δ| ≤ 3e-3 · max(1, |g|) covers float32 rounding); the dilated forward against
 * tf.depthwiseConv2d (tfjs-layers' DepthwiseConv2D ignores dilation, so the golden models cannot
 * cover it) within 1e-5; a whole training step of each depthwise model compiled to wasm against
 * the interpreter (≤ 1e-5 of each output's scale); and SGD steps of a separable model against
 * tfjs's trainOnBatch (loss and weights within 1e-5).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { Random } from '../../src/frontend/random.js';
import { sequential } from '../../src/frontend/sequential.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Attrs } from '../../src/ir/graph.js';
import { interpret, type TensorMap } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { concreteShape } from '../../src/ir/types.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { buildTfjsTwin, tfjsReady } from '../helpers/tfjs-twin.js';
import { DEPTHWISE_CASES } from './depthwise-models.js';

interface Case {
  readonly op: string;
  readonly attrs: Attrs;
  readonly shapes: number[][];
  /** The operands differentiated (the input gradient's x only gives a shape). */
  readonly wrt: number[];
}

const SAME_S2 = { strides: [2, 2], padding: 'same' };
const DILATED = { dilations: [2, 2], padding: 'same' };
const CASES: Case[] = [
  { op: 'depthwise_conv2d', attrs: DILATED, shapes: [[2, 5, 6, 2], [3, 3, 2, 2], [4]], wrt: [0, 1, 2] },
  { op: 'depthwise_conv2d', attrs: SAME_S2, shapes: [[1, 5, 5, 3], [3, 2, 3, 1]], wrt: [0, 1] },
  { op: 'depthwise_conv2d_grad_input', attrs: SAME_S2, shapes: [[2, 3, 3, 6], [3, 3, 3, 2], [2, 5, 6, 3]], wrt: [0, 1] },
  { op: 'depthwise_conv2d_grad_input', attrs: DILATED, shapes: [[1, 5, 6, 6], [2, 3, 2, 3], [1, 5, 6, 2]], wrt: [0, 1] },
  { op: 'depthwise_conv2d_grad_filter', attrs: { ...SAME_S2, kernelSize: [3, 3] }, shapes: [[2, 5, 6, 3], [2, 3, 3, 6]], wrt: [0, 1] },
  { op: 'depthwise_conv2d_grad_filter', attrs: { dilations: [1, 2], kernelSize: [2, 2] }, shapes: [[1, 5, 6, 2], [1, 4, 4, 2]], wrt: [0, 1] },
];

const sample = (rng: Random, n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

describe('depthwise_conv2d gradient rules against finite differences', () => {
  CASES.forEach((c, k) => {
    it(`${c.op} ${JSON.stringify(c.attrs)} ${JSON.stringify(c.shapes)}`, () => {
      const rng = new Random(60 + k);
      const b = new GraphBuilder();
      const xs = c.shapes.map((s, i) => b.input(`x${i}`, { dtype: 'f32', shape: s }));
      const y = b.op(c.op, xs, c.attrs);
      b.output('loss', b.op('reduce_sum', [b.op('mul', [y, b.constant([...sample(rng, size(concreteShape(y.type.shape, 1)))], y.type)])]));
      const graph = b.build();
      const data = c.shapes.map((s) => sample(rng, size(s)));
      const inputs = (replace: Record<number, Float32Array> = {}) => Object.fromEntries(c.shapes.map((s, i) => [`x${i}`, tensor(s, replace[i] ?? data[i]!)]));
      const grads = interpret(gradientGraph(graph, 'loss', c.wrt.map((i) => `x${i}`)), inputs());
      const loss = (i: number, v: Float32Array) => interpret(graph, inputs({ [i]: v })).loss!.data[0]!;
      for (const i of c.wrt) {
        const g = grads[`grad:x${i}`]!.data;
        expect(g.length).toBe(data[i]!.length);
        for (let j = 0; j < g.length; j++) {
          const [plus, minus] = [data[i]!.slice(), data[i]!.slice()];
          plus[j]! += 1e-3;
          minus[j]! -= 1e-3;
          const fd = (loss(i, plus) - loss(i, minus)) / 2e-3;
          expect(Math.abs(g[j]! - fd), `x${i}[${j}]`).toBeLessThanOrEqual(3e-3 * Math.max(1, Math.abs(g[j]!)));
        }
      }
    });
  });
});

describe('dilated depthwise_conv2d against tf.depthwiseConv2d', () => {
  beforeAll(() => tfjsReady());
  it.each([
    { dilations: [2, 2], padding: 'same', m: 3 },
    { dilations: [1, 3], padding: 'valid', m: 1 },
  ])('dilations $dilations $padding multiplier $m', ({ dilations, padding, m }) => {
    const rng = new Random(9);
    const [xs, ws] = [[3, 9, 8, 4], [3, 2, 4, m]];
    const [x, w] = [sample(rng, size(xs)), sample(rng, size(ws))];
    const b = new GraphBuilder();
    b.output('y', b.op('depthwise_conv2d', [b.input('x', { dtype: 'f32', shape: xs }), b.input('w', { dtype: 'f32', shape: ws })], { dilations, padding }));
    const got = interpret(b.build(), { x: tensor(xs, x), w: tensor(ws, w) }).y!.data;
    const want = tf.depthwiseConv2d(tf.tensor4d(x, xs as [number, number, number, number]), tf.tensor4d(w, ws as [number, number, number, number]), 1, padding as 'same' | 'valid', 'NHWC', dilations as [number, number]).dataSync();
    expect(got.length).toBe(want.length);
    expect(maxAbsDiff(got, want)).toBeLessThanOrEqual(1e-5);
  });
});

describe('depthwise training step in wasm', () => {
  beforeAll(() => loadWasmBackend());

  it.each(DEPTHWISE_CASES)('$name: one step equals the interpreter', ({ make }) => {
    const trainer = new Trainer(make().toGraph(), { optimizer: 'adam', loss: 'meanSquaredError' });
    const graph = trainer.graphs.train;
    const compiled = wasmExecutor(graph);
    for (const batch of [1, 5]) {
      const rng = new Random(batch);
      const feeds: TensorMap = {};
      for (const n of graph.inputs) {
        const shape = concreteShape(n.type.shape, batch);
        // Optimizer slots and per-step scalars stay positive (Adam's v, its step count).
        const positive = n.name!.startsWith('v:') || n.name!.startsWith('opt:');
        feeds[n.name!] = tensor(shape, Float32Array.from({ length: size(shape) }, () => (positive ? rng.next() : rng.uniform(-1, 1))));
      }
      const want = interpret(graph, feeds);
      const got = compiled.run(feeds);
      for (const [name, t] of Object.entries(want)) {
        const scale = Math.max(1, ...Array.from(t.data, Math.abs));
        expect(maxAbsDiff(got[name]!.data, t.data), `${name} at batch ${batch}`).toBeLessThanOrEqual(1e-5 * scale);
      }
    }
  });
});

describe('depthwise / separable training steps vs tfjs', () => {
  beforeAll(() => tfjsReady());

  it('three SGD steps of a depthwise + separable model equal tfjs trainOnBatch within 1e-5', async () => {
    const model = sequential({
      layers: [
        layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, padding: 'same', activation: 'relu', inputShape: [8, 8, 3] }),
        layers.separableConv2d({ filters: 6, kernelSize: 3, strides: 2, activation: 'tanh' }),
        layers.flatten(),
        layers.dense({ units: 4, activation: 'softmax' }),
      ],
    });
    const twin = buildTfjsTwin(model);
    const trainer = new Trainer(model.toGraph(), { optimizer: { name: 'sgd', learningRate: 0.1 }, loss: 'sparseCategoricalCrossentropy' });
    twin.compile({ optimizer: tf.train.sgd(0.1), loss: 'sparseCategoricalCrossentropy' });
    const rng = new Random(21);
    const n = 16;
    const x = sample(rng, n * 8 * 8 * 3);
    const y = Float32Array.from({ length: n }, () => Math.floor(rng.next() * 4));
    for (let s = 0; s < 3; s++) {
      const [loss] = trainer.trainStep([tensor([n, 8, 8, 3], x)], [tensor([n], y)]);
      const tfLoss = (await twin.trainOnBatch(tf.tensor(x, [n, 8, 8, 3]), tf.tensor(y, [n]))) as number;
      expect(Math.abs(loss! - tfLoss), `loss at step ${s + 1}`).toBeLessThan(1e-5);
    }
    const ours = trainer.graphs.params.map((p) => trainer.weights().get(p.name)!);
    const theirs = twin.getWeights().map((w) => w.dataSync());
    expect(ours.length).toBe(theirs.length);
    expect(Math.max(...ours.map((w, i) => maxAbsDiff(w, theirs[i]!)))).toBeLessThanOrEqual(1e-5);
  });
});
