import { NncError } from '../errors.js';
import { tensor, type Tensor } from '../ir/tensor.js';

/** Number of examples (axis 0) shared by every tensor of a data set. */
export function exampleCount(tensors: readonly Tensor[], what: string): number {
  const n = tensors[0]?.shape[0];
  if (n === undefined) throw new NncError('NNC5002', `${what}: no data`);
  for (const t of tensors)
    if (t.shape[0] !== n) throw new NncError('NNC5002', `${what}: tensors disagree on the number of examples (${n} vs ${t.shape[0]})`);
  return n;
}

/** Copies the rows `indices[start, end)` of `t` into a new tensor (a batch). */
export function gatherRows(t: Tensor, indices: ArrayLike<number>, start: number, end: number): Tensor {
  const row = t.data.length / t.shape[0]!;
  const out = tensor([end - start, ...t.shape.slice(1)]);
  for (let i = start; i < end; i++) {
    const src = indices[i]! * row;
    out.data.set(t.data.subarray(src, src + row), (i - start) * row);
  }
  return out;
}

/** Rows [start, end) of `t` (no copy). */
export function sliceRows(t: Tensor, start: number, end: number): Tensor {
  const row = t.data.length / t.shape[0]!;
  return tensor([end - start, ...t.shape.slice(1)], t.data.subarray(start * row, end * row));
}
