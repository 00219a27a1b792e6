/**
 * Shape arithmetic for kernels. A value either carries the symbolic batch on axis 0 and static
 * dims after it, or has no batch axis (every dim static): a kernel bakes every dim in and takes
 * only the batch from the uniform. A value without a batch axis is one "row" of its whole shape,
 * computed once whatever the batch.
 */
import type { Node } from '../../ir/graph.js';
import { NncError } from '../../errors.js';
import type { Shape } from '../../ir/types.js';
import { normalizeAxis } from '../../ir/ops/softmax.js';

/** Whether a value has the batch axis (always axis 0 where the kernels accept it). */
export const isBatched = (node: Node): boolean => node.type.shape.includes(null);

/**
 * The static dims of one row: after the batch axis, or the whole shape of a value without one.
 * Throws NNC4001 for a batch axis other than axis 0.
 */
export function rowDims(node: Node, what: string): number[] {
  const shape = node.type.shape;
  if (!isBatched(node)) return shape as number[];
  if (shape[0] !== null || shape.slice(1).some((d) => d === null))
    throw new NncError('NNC4001', `webgpu: ${what} needs the batch on axis 0 and static other dims, got [${shape.map((d) => d ?? '?').join(',')}]`);
  return shape.slice(1) as number[];
}

/** The WGSL u32 count of rows a kernel producing `node` covers: the batch, or 1 without a batch axis. */
export const rowCount = (node: Node): string => (isBatched(node) ? 'params.batch' : '1u');

export const product = (dims: readonly number[]): number => dims.reduce((p, d) => p * d, 1);

/**
 * The per-row dims of `value` and an op's axis as an index into them plus one (1 = first per-row
 * axis, so dims[axis - 1] is its extent); kernels that work along an axis cannot span rows, so the
 * batch axis is NNC4001. A value without a batch axis is one row of its whole shape.
 */
export function rowAxis(value: Node, axis: number, what: string, op: string): { dims: number[]; axis: number } {
  const dims = rowDims(value, what);
  if (!isBatched(value)) return { dims, axis: normalizeAxis(axis, dims.length) + 1 };
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
