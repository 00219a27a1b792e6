/**
 * Shape arithmetic for kernels. Values carry the symbolic batch on axis 0 and static dims after
 * it, so a kernel bakes every dim in and takes only the batch from the uniform.
 */
import type { Node } from '../../ir/graph.js';
import { NncError } from '../../errors.js';
import type { Shape } from '../../ir/types.js';
import { normalizeAxis } from '../../ir/ops/softmax.js';

/** The static per-row dims (axis 0 is the batch); throws NNC4001 for other dynamic layouts. */
export function rowDims(node: Node, what: string): number[] {
  const shape = node.type.shape;
  if (shape[0] !== null || shape.slice(1).some((d) => d === null))
    throw new NncError('NNC4001', `webgpu: ${what} needs the batch on axis 0 and static other dims, got [${shape.map((d) => d ?? '?').join(',')}]`);
  return shape.slice(1) as number[];
}

export const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/**
 * The per-row dims of `value` and an op's axis as an index into the full shape (1 = first per-row axis);
 * kernels that work along an axis cannot span rows, so the batch axis is NNC4001.
 */
export function rowAxis(value: Node, axis: number, what: string, op: string): { dims: number[]; axis: number } {
  const dims = rowDims(value, what);
  const a = normalizeAxis(axis, dims.length + 1);
  if (a === 0) throw new NncError('NNC4001', `webgpu: ${what}: ${op} along the batch axis is not supported`);
  return { dims, axis: a };
}

/** Row-major strides of a shape whose axis 0 may be the symbolic batch. */
export function strides(shape: Shape): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i] ?? 1;
  }
  return out;
}

/**
 * The WGSL index into an operand of shape `from` broadcast (numpy rules) to an output of shape
 * `to`, given the output's flat index variable `i`. Equal shapes read index i directly.
 */
export function broadcastIndex(from: Shape, to: Shape, i: string): string {
  if (from.length === to.length && from.every((d, k) => d === to[k])) return i;
  const outStrides = strides(to);
  const inStrides = strides(from);
  const offset = to.length - from.length;
  const terms: string[] = [];
  from.forEach((d, j) => {
    if (d === 1) return;
    const k = j + offset;
    const dim = to[k];
    // Axis 0 needs no modulo: the flat index never exceeds the batch.
    const coord = k === 0 ? `(${i} / ${outStrides[k]}u)` : `((${i} / ${outStrides[k]}u) % ${dim}u)`;
    terms.push(inStrides[j] === 1 ? coord : `${coord} * ${inStrides[j]}u`);
  });
  return terms.length === 0 ? '0u' : terms.join(' + ');
}
