import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';

/**
 * Class indices (stored as float32 integers) -> one-hot rows of `depth`. Sparse losses and
 * metrics compare against it; an index outside [0, depth) gives an all-zero row, as tf.oneHot.
 */
export const oneHot: OpDef = {
  name: 'one_hot',
  summary: 'labels[...] -> f32[..., depth], 1 at the label',
  arity: 1,
  attrs: { depth: { kind: 'int' } },
  traits: { rowLocal: true },
  inferType([labels], attrs) {
    const depth = Number(attrs.depth);
    if (!Number.isInteger(depth) || depth < 1) throw new ShapeError(`one_hot depth must be a positive integer, got ${attrs.depth}`);
    return { dtype: 'f32', shape: [...labels!.shape, depth] };
  },
  evaluate([labels], attrs, out) {
    const depth = Number(attrs.depth);
    const result = tensor(out.shape as number[]);
    labels!.data.forEach((c, i) => {
      if (Number.isInteger(c) && c >= 0 && c < depth) result.data[i * depth + c] = 1;
    });
    return result;
  },
  gradient: () => [null],
};
