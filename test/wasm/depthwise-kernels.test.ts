/**
 * The depthwise_conv2d kernels (forward with bias and activation, input and filter gradients)
 * against the reference interpreter, SIMD and scalar builds, at 1 and 7 rows: multipliers 1, 2,
 * 3 (lanes m floats apart), strides, dilations, valid and same padding, channel counts leaving a
 * tail after the f32x4 blocks. Sums in f32 against the interpreter's f64: ≤ 1e-5 of the scale.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { depthwiseGeometry } from '../../src/ir/ops/depthwise-geometry.js';
import { tensorType } from '../../src/ir/types.js';
import { moduleError } from './harness.js';

const CASES = [
  { shape: [7, 6, 5], kernel: [3, 3], m: 1, strides: [1, 1], dilations: [1, 1], padding: 'valid', activation: 'relu6' },
  { shape: [7, 6, 6], kernel: [3, 3], m: 2, strides: [2, 2], dilations: [1, 1], padding: 'same', activation: 'linear' },
  { shape: [6, 7, 4], kernel: [3, 2], m: 3, strides: [1, 1], dilations: [2, 2], padding: 'same', activation: 'sigmoid' },
  { shape: [5, 8, 9], kernel: [2, 3], m: 1, strides: [2, 1], dilations: [1, 1], padding: 'valid', activation: 'linear' },
] as const;

function graphOf(op: string, c: (typeof CASES)[number]): Graph {
  const b = new GraphBuilder();
  const conv = { strides: [...c.strides], padding: c.padding, dilations: [...c.dilations] };
  const xType = tensorType([null, ...c.shape]);
  const x = b.input('x', xType);
  const wShape = [...c.kernel, c.shape[2], c.m];
  const w = b.input('w', tensorType(wShape));
  const g = depthwiseGeometry(xType.shape, wShape, conv);
  const dy = () => b.input('dy', tensorType([null, g.oh, g.ow, g.c * g.m]));
  if (op === 'depthwise_conv2d') b.output('y', b.op(op, [x, w, b.input('b', tensorType([g.c * g.m]))], { ...conv, activation: c.activation }));
  else if (op === 'depthwise_conv2d_grad_input') b.output('y', b.op(op, [dy(), w, x], conv));
  else b.output('y', b.op(op, [x, dy()], { ...conv, kernelSize: [...c.kernel] }));
  return b.build();
}

describe('wasm depthwise_conv2d kernels vs the interpreter', () => {
  for (const op of ['depthwise_conv2d', 'depthwise_conv2d_grad_input', 'depthwise_conv2d_grad_filter'])
    for (const c of CASES)
      it(`${op} of [?,${c.shape.join(',')}] kernel ${c.kernel.join('x')} m ${c.m} strides ${c.strides.join(',')} dilations ${c.dilations.join(',')} ${c.padding}`, async () => {
        const graph = graphOf(op, c);
        for (const batch of [1, 7])
          for (const simd of [true, false]) expect(await moduleError(graph, batch, simd, batch, true), `batch ${batch}, ${simd ? 'simd' : 'scalar'}`).toBeLessThanOrEqual(1e-5);
      });
});
