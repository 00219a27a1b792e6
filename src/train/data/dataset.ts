import type { Tensor } from '../../ir/tensor.js';

/** Examples along axis 0 of `x`, with their labels (class indices or targets) in `y`. */
export interface Split {
  readonly x: Tensor;
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
  const take = (t: Tensor) => {
    const count = Math.min(n, t.shape[0]!);
    const row = t.data.length / t.shape[0]!;
    return { shape: [count, ...t.shape.slice(1)], data: t.data.subarray(0, count * row) };
  };
  return { x: take(split.x), y: take(split.y) };
}
