import type { Tensor } from '../../ir/tensor.js';
import { sliceExamples, type Examples } from '../batches.js';

/** Examples along axis 0 of `x`, with their labels (class indices or targets) in `y`. */
export interface Split {
  readonly x: Examples;
  readonly y: Tensor;
}

export interface TrainTestData {
  readonly train: Split;
  readonly test: Split;
  /** Where the data came from, for logs (`IDX files in ~/.keras/datasets/fashion-mnist`). */
  readonly source: string;
}

/** The first `n` examples of a split (no copy). */
export function takeExamples(split: Split, n: number): Split {
  const count = (t: Examples) => Math.min(n, t.shape[0]!);
  return { x: sliceExamples(split.x, 0, count(split.x)), y: sliceExamples(split.y, 0, count(split.y)) as Tensor };
}
