/**
 * The training form of batch_norm (batch mean and biased variance over every axis but the last,
 * built from reduce_mean / sub / mul by the op's `training.lower`) differentiated by autodiff,
 * against tf.grads of tfjs-layers' own training computation (tf.moments, then tf.batchNorm) and
 * against central finite differences on the interpreter. The loss is sum(y · R) plus the new
 * moving statistics, which must carry no gradient (they are step state, not on the loss path
 * in a real step; here they check the state values against tfjs' update rule).
 * Tolerances: tfjs |Δ| ≤ 1e-4 · max(1, |g|); finite differences (step 1e-3) ≤ 3e-3 · max(1, |g|).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { interpret } from '../../src/ir/interpreter.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';

const EPS = 1e-3;
const MOMENTUM = 0.9;
const CASES = [
  { name: 'rank 2 (after dense)', shape: [6, 4], center: true, scale: true },
  { name: 'rank 4 (after conv2d)', shape: [3, 2, 3, 2], center: true, scale: true },
  { name: 'rank 4, center and scale false', shape: [2, 3, 2, 3], center: false, scale: false },
];

function build(shape: number[], center: boolean, scale: boolean, r: Float32Array) {
  const b = new GraphBuilder();
  const c = shape.at(-1)!;
  const x = b.input('x', { dtype: 'f32', shape });
  const names = ['x', ...(scale ? ['gamma'] : []), ...(center ? ['beta'] : [])];
  const affine = names.slice(1).map((n) => b.input(n, { dtype: 'f32', shape: [c] }));
  const mean = b.input('moving_mean', { dtype: 'f32', shape: [c] });
  const variance = b.input('moving_variance', { dtype: 'f32', shape: [c] });
  const node = b.op('batch_norm', [x, mean, variance, ...affine], { epsilon: EPS, momentum: MOMENTUM, center, scale });
  const { value, state } = opRegistry.get('batch_norm')!.training!.lower({ b, seed: () => { throw new Error('no seed'); } }, node, node.inputs);
  b.output('loss', b.op('reduce_sum', [b.op('mul', [value, b.constant([...r], value.type)])]));
  b.output('y', value);
  b.output('new_mean', state![0]!);
  b.output('new_variance', state![1]!);
  return { graph: b.build(), names };
}

describe('batch_norm training form: gradients and moving statistics', () => {
  beforeAll(() => tfjsReady());

  CASES.forEach(({ name, shape, center, scale }, k) => {
    it(name, () => {
      const rng = new Random(40 + k);
      const c = shape.at(-1)!;
      const size = shape.reduce((a, d) => a * d, 1);
      const sample = (n: number, lo = -1.5, hi = 1.5) => Float32Array.from({ length: n }, () => rng.uniform(lo, hi));
      const r = sample(size);
      const { graph, names } = build(shape, center, scale, r);
      const data: Record<string, Float32Array> = { x: sample(size), gamma: sample(c, 0.5, 1.5), beta: sample(c), moving_mean: sample(c), moving_variance: sample(c, 0.5, 1.5) };
      const inputs = (d: Record<string, Float32Array>): Record<string, Tensor> =>
        Object.fromEntries(Object.entries(d).filter(([n]) => n !== 'gamma' || scale).filter(([n]) => n !== 'beta' || center).map(([n, v]) => [n, tensor(n === 'x' ? shape : [c], v)]));
      const out = interpret(graph, inputs(data));
      const grads = interpret(gradientGraph(graph, 'loss', names), inputs(data));

      // tfjs-layers' training path: normalizeBatchInTraining = tf.moments + tf.batchNorm.
      const axes = shape.slice(0, -1).map((_, i) => i);
      const tfjs = tf.tidy(() => {
        const f = (x: tf.Tensor, ...rest: tf.Tensor[]) => {
          const { mean, variance } = tf.moments(x, axes);
          const g = scale ? rest[0] : undefined;
          const b = center ? rest[rest.length - 1] : undefined;
          // tfjs' batchNorm gradient fails without offset and scale; the same math spelled out then.
          const y = g || b ? tf.batchNorm(x, mean, variance, b, g, EPS) : tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPS)));
          return { y, mean, variance };
        };
        const xs = names.map((n) => tf.tensor(data[n]!, n === 'x' ? shape : [c]));
        const grads = tf.grads((...vs: tf.Tensor[]) => tf.sum(tf.mul(f(vs[0]!, ...vs.slice(1)).y, tf.tensor(r, shape))))(xs).map((g) => g.dataSync().slice());
        const { y, mean, variance } = f(xs[0]!, ...xs.slice(1));
        // tfjs-layers' doMovingAverage: moving - (moving - batch) · (1 - momentum).
        const move = (moving: Float32Array, batch: tf.Tensor) => tf.sub(tf.tensor(moving), tf.mul(tf.sub(tf.tensor(moving), batch), 1 - MOMENTUM)).dataSync().slice();
        return { grads, y: y.dataSync().slice(), newMean: move(data.moving_mean!, mean), newVariance: move(data.moving_variance!, variance) };
      });
      expect(maxAbsDiff(out.y!.data, tfjs.y), 'y').toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff(out.new_mean!.data, tfjs.newMean), 'moving mean').toBeLessThanOrEqual(1e-6);
      expect(maxAbsDiff(out.new_variance!.data, tfjs.newVariance), 'moving variance').toBeLessThanOrEqual(1e-6);

      const lossAt = (n: string, v: Float32Array) => interpret(graph, inputs({ ...data, [n]: v })).loss!.data[0]!;
      names.forEach((n, i) => {
        const g = grads[`grad:${n}`]!.data;
        expect(g.length).toBe(data[n]!.length);
        for (let j = 0; j < g.length; j++) {
          const tol = Math.max(1, Math.abs(g[j]!));
          expect(Math.abs(g[j]! - tfjs.grads[i]![j]!), `${n}[${j}] vs tfjs`).toBeLessThanOrEqual(1e-4 * tol);
          const h = 1e-3;
          const plus = data[n]!.slice();
          const minus = data[n]!.slice();
          plus[j]! += h;
          minus[j]! -= h;
          const fd = (lossAt(n, plus) - lossAt(n, minus)) / (2 * h);
          expect(Math.abs(g[j]! - fd), `${n}[${j}] vs finite difference`).toBeLessThanOrEqual(3e-3 * tol);
        }
      });
    });
  });
});
