import type { Graph } from '../../src/ir/graph.js';
import { Random } from '../../src/frontend/random.js';
import { tensor, typedTensor, type Tensor } from '../../src/ir/tensor.js';
import { concreteShape, elementCount } from '../../src/ir/types.js';

/** The number of rows of what an int32 input indexes (an Embedding's vocabulary): the gather that reads it. */
function idRange(graph: Graph, input: Graph['inputs'][number]): number {
  const gather = graph.nodes.find((n) => n.op === 'gather' && n.inputs[1] === input);
  return gather ? (gather.inputs[0]!.type.shape[Number(gather.attrs.axis ?? 0)] as number) : 0;
}

/**
 * Seeded inputs in [-1, 1) for every graph input at the given batch size; an int32 input that is a
 * gather's indices gets ids in [0, rows) of what it indexes, and its `flat` holds the same integers as floats (tfjs casts them).
 */
export function randomInputs(graph: Graph, batch: number, seed = 7): { tensors: Record<string, Tensor>; flat: Record<string, Float32Array> } {
  const rng = new Random(seed);
  const tensors: Record<string, Tensor> = {};
  const flat: Record<string, Float32Array> = {};
  for (const input of graph.inputs) {
    const data = new Float32Array(elementCount(input.type.shape, batch));
    const ids = input.type.dtype === 'i32' ? idRange(graph, input) : 0; // 0: not ids, values in [-1, 1) as for any input
    for (let i = 0; i < data.length; i++) data[i] = ids ? rng.int(ids) : rng.uniform(-1, 1);
    flat[input.name!] = data;
    const shape = concreteShape(input.type.shape, batch);
    tensors[input.name!] = ids ? typedTensor(shape, 'i32', data) : tensor(shape, data);
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
