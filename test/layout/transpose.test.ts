/**
 * The transpose op: the interpreter against tf.transpose (exact: a permutation moves values), and
 * the wasm kernel (SIMD and scalar) and the WebGPU kernel against the interpreter, exact too, for
 * perms that keep the innermost axis (one block copy per run), move it (4×4 SIMD blocks with their
 * tails, element gathers), drop
 * axes of extent 1, and move the batch axis (wasm only; WebGPU keeps the batch on axis 0 and
 * refuses it with NNC4001).
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { composePerms, inversePerm } from '../../src/ir/ops/transpose.js';
import { tensor } from '../../src/ir/tensor.js';
import { tensorType, type Shape } from '../../src/ir/types.js';
import { isRowLocal } from '../../src/ir/traits.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';
import { moduleError } from '../wasm/harness.js';

const CASES: { shape: Shape; perm: number[] }[] = [
  { shape: [null, 3, 5, 7], perm: [0, 2, 3, 1] }, // NCHW -> NHWC
  { shape: [null, 5, 7, 3], perm: [0, 3, 1, 2] }, // NHWC -> NCHW
  { shape: [null, 6, 9], perm: [0, 2, 1] }, // 4x4 SIMD blocks with tails both ways
  { shape: [null, 8, 12], perm: [0, 2, 1] }, // whole blocks only
  { shape: [null, 6, 5, 10], perm: [0, 3, 1, 2] }, // NHWC -> NCHW, C = 10 (blocks)
  { shape: [null, 2, 3, 4, 5], perm: [0, 1, 2, 4, 3] }, // innermost axis moves
  { shape: [null, 4, 1, 6], perm: [0, 3, 2, 1] }, // an axis of extent 1
  { shape: [null, 8, 12], perm: [0, 1, 2] }, // identity: one copy
  { shape: [4, 5, 6], perm: [2, 0, 1] }, // no batch axis
  { shape: [null, 3, 4], perm: [1, 0, 2] }, // the batch axis moves (reads across rows)
  { shape: [3, null, 4], perm: [2, 1, 0] }, // operand batch axis not first
];

function graphOf(shape: Shape, perm: number[]): Graph {
  const b = new GraphBuilder();
  b.output('y', b.op('transpose', [b.input('x', tensorType(shape))], { perm }));
  return b.build();
}

/** A value without a batch axis runs at its one size. */
const batchesOf = (shape: Shape): number[] => (shape.includes(null) ? [1, 7] : [1]);

const label = (c: (typeof CASES)[number]) => `[${c.shape.map((d) => d ?? '?').join(',')}] perm [${c.perm.join(',')}]`;

beforeAll(tfjsReady);

describe('transpose: interpreter vs tf.transpose', () => {
  for (const c of CASES)
    it(label(c), () => {
      const graph = graphOf(c.shape, c.perm);
      const { tensors, flat } = randomInputs(graph, 3);
      const got = interpret(graph, tensors).y!;
      const want = tf.tidy(() => tf.transpose(tf.tensor(flat.x!, tensors.x!.shape as number[]), c.perm));
      expect(got.shape).toEqual(want.shape);
      expect(maxAbsDiff(got.data, want.dataSync())).toBe(0);
      want.dispose();
    });

  it('types the result and refuses what is not a permutation', () => {
    expect(graphOf([null, 3, 5, 7], [0, 2, 3, 1]).outputs[0]!.node.type.shape).toEqual([null, 5, 7, 3]);
    expect(() => graphOf([null, 3, 5], [0, 1, 1])).toThrow(/not a permutation/);
    expect(() => graphOf([null, 3, 5], [0, 1])).toThrow(/not a permutation/);
  });

  it('is row-local only while the batch axis stays put', () => {
    expect(isRowLocal(graphOf([null, 3, 5], [0, 2, 1]).outputs[0]!.node)).toBe(true);
    expect(isRowLocal(graphOf([null, 3, 5], [1, 0, 2]).outputs[0]!.node)).toBe(false);
    expect(isRowLocal(graphOf([3, 5], [1, 0]).outputs[0]!.node)).toBe(true);
  });

  it('composes and inverts perms', () => {
    const x = tensor([2, 3, 4, 5], Array.from({ length: 120 }, (_, i) => i));
    const [p, q] = [[0, 2, 3, 1], [3, 1, 0, 2]];
    const b = new GraphBuilder();
    const input = b.input('x', tensorType([2, 3, 4, 5]));
    b.output('twice', b.op('transpose', [b.op('transpose', [input], { perm: p })], { perm: q }));
    b.output('once', b.op('transpose', [input], { perm: composePerms(p, q) }));
    b.output('back', b.op('transpose', [b.op('transpose', [input], { perm: p })], { perm: inversePerm(p) }));
    const out = interpret(b.build(), { x });
    expect(Array.from(out.twice!.data)).toEqual(Array.from(out.once!.data));
    expect(Array.from(out.back!.data)).toEqual(Array.from(x.data));
  });
});

describe('transpose: wasm kernel vs the interpreter', () => {
  for (const c of CASES)
    it(label(c), async () => {
      const graph = graphOf(c.shape, c.perm);
      for (const batch of batchesOf(c.shape))
        for (const simd of [true, false]) expect(await moduleError(graph, batch, simd, batch), `batch ${batch}, ${simd ? 'simd' : 'scalar'}`).toBe(0);
    });
});

describe('transpose: WebGPU kernel vs the interpreter', () => {
  it('every case that keeps the batch on axis 0, at batch 1 and 7', async () => {
    const gpu = await dawnGpu();
    for (const c of CASES.filter((k) => k.shape[0] !== null || k.perm[0] === 0)) {
      if (c.shape.slice(1).includes(null)) continue;
      const graph = graphOf(c.shape, c.perm);
      const bundle = await buildWebGpuBundle(graph, { optimize: false });
      const model = await (await bundle.import()).load({ gpu });
      for (const batch of batchesOf(c.shape)) {
        const { tensors, flat } = randomInputs(graph, batch, batch);
        const got = byName(await model.predict(predictInput(graph, flat), batch), ['y']);
        expect(maxAbsDiff(got.y!, interpret(graph, tensors).y!.data), `${label(c)} at batch ${batch}`).toBe(0);
      }
    }
  });

  it('refuses a transpose that moves the batch axis (NNC4001)', async () => {
    await expect(buildWebGpuBundle(graphOf([null, 3, 4], [1, 0, 2]), { optimize: false })).rejects.toMatchObject({ code: 'NNC4001' });
  });
});
