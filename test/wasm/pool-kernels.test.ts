/**
 * The 2-D pooling kernels and their gradients against the reference interpreter, SIMD and
 * scalar builds, at 1 and 7 rows: pool 2 and 3, strides 1, 2 and 3, valid and same, odd sizes
 * and channel counts that leave a tail after the f32x4 blocks; windows that overlap, that tile x
 * (the gradient then writes every cell without zeroing dx first), and that leave rows between
 * them. Max pooling picks one of its inputs (exact); averages sum in f32 against the
 * interpreter's f64 (≤ 1e-6).
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { poolGeometry } from '../../src/ir/ops/pool-helpers.js';
import { tensorType } from '../../src/ir/types.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { moduleError, runModule } from './harness.js';

const CASES = [
  { shape: [7, 7, 5], pool: [2, 2], strides: [2, 2], padding: 'valid' },
  { shape: [7, 6, 3], pool: [3, 3], strides: [2, 2], padding: 'same' },
  { shape: [5, 5, 8], pool: [3, 2], strides: [1, 1], padding: 'same' },
  { shape: [6, 7, 4], pool: [2, 3], strides: [1, 2], padding: 'valid' },
  { shape: [4, 4, 1], pool: [2, 2], strides: [1, 1], padding: 'same' },
  { shape: [6, 8, 6], pool: [2, 2], strides: [2, 2], padding: 'valid' },
  { shape: [5, 7, 3], pool: [2, 2], strides: [2, 2], padding: 'same' },
  { shape: [8, 7, 4], pool: [2, 2], strides: [3, 3], padding: 'valid' },
] as const;

interface PoolCase {
  readonly shape: readonly number[];
  readonly pool: readonly number[];
  readonly strides: readonly number[];
  readonly padding: string;
}

function poolGraph(op: string, c: PoolCase): Graph {
  const b = new GraphBuilder();
  const attrs = { pool: [...c.pool], strides: [...c.strides], padding: c.padding };
  const xType = tensorType([null, ...c.shape]);
  const x = b.input('x', xType);
  const g = poolGeometry(xType, attrs);
  const pooled = tensorType([null, g.outH, g.outW, g.channels]);
  if (op === 'max_pool2d_grad') b.output('y', b.op(op, [x, b.input('dy', pooled)], attrs));
  else if (op === 'avg_pool2d_grad') b.output('y', b.op(op, [b.input('dy', pooled), x], attrs));
  else b.output('y', b.op(op, [x], attrs));
  return b.build();
}

describe('wasm pooling kernels vs the interpreter', () => {
  for (const op of ['max_pool2d', 'avg_pool2d', 'max_pool2d_grad', 'avg_pool2d_grad'])
    for (const c of CASES)
      it(`${op} of [?,${c.shape.join(',')}] pool ${c.pool.join('x')} strides ${c.strides.join(',')} ${c.padding}`, async () => {
        const graph = poolGraph(op, c);
        for (const batch of [1, 7])
          for (const simd of [true, false]) {
            const tolerance = op === 'max_pool2d' ? 0 : 1e-6;
            expect(await moduleError(graph, batch, simd, batch), `batch ${batch}, ${simd ? 'simd' : 'scalar'}`).toBeLessThanOrEqual(tolerance);
          }
      });
});

describe('max_pool2d_grad with ties and NaN', () => {
  const overlapping: PoolCase = { shape: [6, 6, 9], pool: [3, 3], strides: [1, 2], padding: 'same' };
  const tiling: PoolCase = { shape: [6, 6, 9], pool: [2, 2], strides: [2, 2], padding: 'valid' };
  for (const [form, c] of [['overlapping', overlapping], ['tiling', tiling]] as const)
    it(`gives dy to the first maximum of each window, per channel, as the interpreter (SIMD and scalar), ${form} windows`, async () => {
      // Values in {0, 1, 2} tie in most windows; a NaN first in a window wins it, a later one never does.
      const graph = poolGraph('max_pool2d_grad', c);
      const [x, dy] = graph.inputs;
      const batch = 3;
      const size = (t: typeof x) => t!.type.shape.reduce<number>((n, d) => n * (d ?? batch), 1);
      const xs = Float32Array.from({ length: size(x) }, (_, i) => (i % 97 === 5 ? NaN : (i * 7) % 3));
      const dys = Float32Array.from({ length: size(dy) }, (_, i) => 1 + (i % 13));
      const want = interpret(graph, { x: tensor([batch, ...c.shape], xs), dy: tensor([batch, ...(dy!.type.shape.slice(1) as number[])], dys) }).y!.data;
      for (const simd of [true, false]) expect(Array.from((await runModule(graph, { x: xs, dy: dys }, batch, simd)).y!), simd ? 'simd' : 'scalar').toEqual(Array.from(want));
    });
});

describe('max_pool2d_grad with an epilogue (a consumer the fuse pass put there)', () => {
  const epilogue = 'mul($1,select($0,1,0))';
  const withEpilogue = (c: PoolCase): Graph => {
    const b = new GraphBuilder();
    const attrs = { pool: [...c.pool], strides: [...c.strides], padding: c.padding, epilogue };
    const xType = tensorType([null, ...c.shape]);
    const g = poolGeometry(xType, attrs);
    const x = b.input('x', xType);
    b.output('y', b.op('max_pool2d_grad', [x, b.input('dy', tensorType([null, g.outH, g.outW, g.channels]))], attrs));
    return b.build();
  };

  for (const c of [
    { shape: [6, 8, 6], pool: [2, 2], strides: [2, 2], padding: 'valid' },
    { shape: [5, 7, 3], pool: [2, 2], strides: [2, 2], padding: 'same' },
  ])
    it(`applies it to every cell of windows that tile x: [?,${c.shape.join(',')}] ${c.padding} (SIMD and scalar)`, async () => {
      const graph = withEpilogue(c);
      for (const batch of [1, 7]) for (const simd of [true, false]) expect(await moduleError(graph, batch, simd, batch), `batch ${batch}, ${simd ? 'simd' : 'scalar'}`).toBe(0);
    });

  it('is refused on windows that do not tile x, where some cells are never stored', async () => {
    const graph = withEpilogue({ shape: [5, 4, 2], pool: [2, 2], strides: [2, 2], padding: 'valid' });
    await expect(moduleError(graph, 1, true)).rejects.toThrow(/epilogue .* windows that do not tile x/);
  });
});
