/**
 * conv2d's gradient ops: the gradient rules of conv2d, conv2d_grad_input (with x or with its size,
 * the transposed convolution), conv2d_grad_filter and resize2d_grad
 * against central finite differences on the interpreter (loss = sum(op(...) · R), step 1e-3, the
 * ops bilinear so |Δ| ≤ 3e-3 · max(1, |g|) covers float32 rounding), then a whole training step
 * of each conv model compiled to wasm against the interpreter (≤ 1e-5 of each output's scale).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Attrs } from '../../src/ir/graph.js';
import { interpret, type TensorMap } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { concreteShape } from '../../src/ir/types.js';
import { gradientGraph } from '../../src/train/autodiff.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutor } from '../../src/train/wasm-executor.js';
import { CONV_CASES } from './conv2d-models.js';
import { UPCONV_CASES } from './upconv-models.js';

interface Case {
  readonly op: string;
  readonly attrs: Attrs;
  readonly shapes: number[][];
  /** The operands differentiated (conv2d_grad_input's x only gives a shape). */
  readonly wrt: number[];
}

const SAME_S2 = { strides: [2, 2], padding: 'same' };
const DILATED = { dilations: [2, 2], padding: 'same' };
const CASES: Case[] = [
  { op: 'conv2d', attrs: DILATED, shapes: [[2, 5, 6, 2], [3, 3, 2, 3], [3]], wrt: [0, 1, 2] },
  { op: 'conv2d_grad_input', attrs: SAME_S2, shapes: [[2, 3, 3, 4], [3, 3, 3, 4], [2, 5, 6, 3]], wrt: [0, 1] },
  { op: 'conv2d_grad_input', attrs: DILATED, shapes: [[1, 5, 6, 3], [2, 3, 2, 3], [1, 5, 6, 2]], wrt: [0, 1] },
  // The transposed convolution: no x operand, its size stated.
  { op: 'conv2d_grad_input', attrs: { strides: [2, 3], size: [7, 9] }, shapes: [[2, 3, 3, 4], [3, 3, 2, 4]], wrt: [0, 1] },
  { op: 'resize2d_grad', attrs: { size: [3, 4], mode: 'bilinear' }, shapes: [[2, 6, 8, 3]], wrt: [0] },
  { op: 'resize2d_grad', attrs: { size: [4, 3], mode: 'bilinear', coordinateMode: 'half_pixel' }, shapes: [[1, 7, 5, 2]], wrt: [0] },
  { op: 'resize2d_grad', attrs: { size: [3, 4], coordinateMode: 'align_corners', nearestMode: 'round_prefer_ceil' }, shapes: [[1, 5, 7, 2]], wrt: [0] },
  { op: 'conv2d_grad_filter', attrs: { ...SAME_S2, kernelSize: [3, 3] }, shapes: [[2, 5, 6, 3], [2, 3, 3, 4]], wrt: [0, 1] },
  { op: 'conv2d_grad_filter', attrs: { dilations: [1, 2], kernelSize: [2, 2] }, shapes: [[1, 5, 6, 2], [1, 4, 4, 3]], wrt: [0, 1] },
];

const sample = (rng: Random, n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const size = (shape: number[]) => shape.reduce((p, d) => p * d, 1);

describe('conv2d gradient rules against finite differences', () => {
  CASES.forEach((c, k) => {
    it(`${c.op} ${JSON.stringify(c.attrs)} ${JSON.stringify(c.shapes)}`, () => {
      const rng = new Random(40 + k);
      const b = new GraphBuilder();
      const xs = c.shapes.map((s, i) => b.input(`x${i}`, { dtype: 'f32', shape: s }));
      const y = b.op(c.op, xs, c.attrs);
      b.output('loss', b.op('reduce_sum', [b.op('mul', [y, b.constant([...sample(rng, size(concreteShape(y.type.shape, 1)))], y.type)])]));
      const graph = b.build();
      const data = c.shapes.map((s) => sample(rng, size(s)));
      const inputs = (replace: Record<number, Float32Array> = {}) => Object.fromEntries(c.shapes.map((s, i) => [`x${i}`, tensor(s, replace[i] ?? data[i]!)]));
      const names = c.wrt.map((i) => `x${i}`);
      const grads = interpret(gradientGraph(graph, 'loss', names), inputs());
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

describe('conv2d training step in wasm', () => {
  beforeAll(() => loadWasmBackend());

  it.each([...CONV_CASES, ...UPCONV_CASES])('$name: one step equals the interpreter', ({ make }) => {
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
        let worst = 0;
        for (let i = 0; i < t.data.length; i++) worst = Math.max(worst, Math.abs(t.data[i]! - got[name]!.data[i]!));
        expect(worst, `${name} at batch ${batch}`).toBeLessThanOrEqual(1e-5 * scale);
      }
    }
  });
});
