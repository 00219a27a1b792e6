import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';

/**
 * The 1-D layers run on the 2-D ops: a sequence [batch, steps, channels] is viewed as a column
 * image [batch, steps, 1, channels] (reshape keeps axis 0, so it is a free view, as is a
 * [k, in, out] kernel viewed as [k, 1, in, out]). tfjs-layers lowers Conv1D and the 1-D poolings
 * the same way (expandDims at axis 2).
 */
export function asColumn(b: GraphBuilder, x: Node): Node {
  const [, steps, ...rest] = x.type.shape as number[];
  return b.op('reshape', [x], { shape: [steps!, 1, ...rest] });
}

/** A Conv1D kernel [k, in, out] as the k×1 conv2d kernel [k, 1, in, out] (axis 0 kept: a view). */
export function kernelAsColumn(b: GraphBuilder, kernel: Node): Node {
  return b.op('reshape', [kernel], { shape: [1, ...(kernel.type.shape.slice(1) as number[])] });
}

/** [batch, steps, 1, channels] back to [batch, steps, channels]. */
export function fromColumn(b: GraphBuilder, x: Node): Node {
  const [, steps, , channels] = x.type.shape as number[];
  return b.op('reshape', [x], { shape: [steps!, channels!] });
}

/** A positive integer given as a number or a one-element list (Keras writes `(2,)`), else undefined. */
export function positiveSingle(value: unknown): number | undefined {
  const v = Array.isArray(value) && value.length === 1 ? (value[0] as unknown) : value;
  return Number.isInteger(v) && (v as number) > 0 ? (v as number) : undefined;
}
