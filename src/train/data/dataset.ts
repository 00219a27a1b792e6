import type { Tensor } from '../../ir/tensor.js';
import { exampleCount, sliceExamples, type Examples } from '../batches.js';

/**
 * Examples along axis 0 of `x`, with their labels (class indices or targets) in `y`: one tensor,
 * or one per model input (output) in order.
 */
export interface Split {
  readonly x: Examples | readonly Examples[];
  readonly y: Tensor | readonly Tensor[];
}

/** A split's tensors as lists (one per model input / output). */
export const tensorList = <T extends Examples>(t: T | readonly T[]): readonly T[] => (Array.isArray(t) ? t : [t as T]);

/** The number of examples in a split. */
export const splitSize = (split: Split): number => exampleCount(tensorList(split.x), 'x');

/** A built-in data set's split: one input, one label tensor. */
export interface SingleSplit extends Split {
  readonly x: Examples;
  readonly y: Tensor;
}

export interface TrainTestData {
  readonly train: SingleSplit;
  readonly test: SingleSplit;
  /** Where the data came from, for logs (`IDX files in ~/.keras/datasets/fashion-mnist`). */
  readonly source: string;
}

/** The first `n` examples of a split (no copy), in the split's form (single tensors stay single). */
export function takeExamples<S extends Split>(split: S, n: number): S {
  const take = <T extends Examples>(t: T | readonly T[]): T | T[] => {
    const one = (e: T) => sliceExamples(e, 0, Math.min(n, e.shape[0]!)) as T;
    return Array.isArray(t) ? (t as readonly T[]).map(one) : one(t as T);
  };
  return { ...split, x: take(split.x), y: take(split.y) };
}
