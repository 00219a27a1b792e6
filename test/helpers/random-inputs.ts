import type { Graph } from '../../src/ir/graph.js';
import { Random } from '../../src/frontend/random.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { concreteShape, elementCount } from '../../src/ir/types.js';

/** Seeded inputs in [-1, 1) for every graph input at the given batch size. */
export function randomInputs(graph: Graph, batch: number, seed = 7): { tensors: Record<string, Tensor>; flat: Record<string, Float32Array> } {
  const rng = new Random(seed);
  const tensors: Record<string, Tensor> = {};
  const flat: Record<string, Float32Array> = {};
  for (const input of graph.inputs) {
    const data = new Float32Array(elementCount(input.type.shape, batch));
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
    flat[input.name!] = data;
    tensors[input.name!] = tensor(concreteShape(input.type.shape, batch), data);
  }
  return { tensors, flat };
}

/** Largest absolute difference between two equally long arrays (Infinity if lengths differ). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return Number.isNaN(m) ? Infinity : m;
}
