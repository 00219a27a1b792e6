import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor, type Tensor } from '../tensor.js';
import type { TensorType } from '../types.js';

export function normalizeAxis(axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Numerically stable softmax along one axis (max subtracted first, as tfjs does). */
export function softmaxAlong(x: Tensor, axis: number): Tensor {
  const ax = normalizeAxis(axis, x.shape.length);
  const n = x.shape[ax]!;
  const inner = x.shape.slice(ax + 1).reduce((p, d) => p * d, 1);
  const outer = x.data.length / (n * inner);
  const out = tensor(x.shape);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * n * inner + i;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, x.data[base + j * inner]!);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(x.data[base + j * inner]! - m);
      for (let j = 0; j < n; j++) out.data[base + j * inner] = Math.exp(x.data[base + j * inner]! - m) / sum;
    }
  }
  return out;
}

/**
 * The row-local rule of ops that work along one `axis` (softmax, argmax, concat, slice, pad):
 * row-local unless that axis of operand 0 is the batch axis.
 */
export function notAlongBatch(node: Node): boolean {
  const shape = node.inputs[0]!.type.shape;
  return shape[normalizeAxis(node.attrs.axis as number, shape.length)] !== null;
}

export const softmax: OpDef = {
  name: 'softmax',
  summary: 'exp(x - max) / sum(exp(x - max)) along `axis`',
  arity: 1,
  attrs: { axis: { kind: 'int', default: -1, printDefault: true } },
  traits: { rowLocal: notAlongBatch },
  inferType([x]: readonly TensorType[], attrs) {
    normalizeAxis(attrs.axis as number, x!.shape.length);
    return x!;
  },
  evaluate: ([x], attrs) => softmaxAlong(x!, attrs.axis as number),
  // dx = y * (g - sum(g * y)) along the axis.
  gradient(b, node, g) {
    const gy = b.op('mul', [g, node]);
    const sum = b.op('reduce_sum', [gy], { axes: [node.attrs.axis as number], keepdims: true });
    return [b.op('elementwise', [node, g, sum], { expr: 'mul($0,sub($1,$2))' })];
  },
};
