import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { sameShape } from '../types.js';
import { keepsBatchAxis, REDUCE_ATTRS, reducedAxes, reducedShape, reductionIndex } from './reduce_sum.js';

/**
 * The gradient of reduce_sum / reduce_mean: `g` (the reduction's result shape) broadcast back to
 * the shape of the reduced operand `ref`, divided by the reduced element count when `mean`.
 * `ref` supplies only its shape, which may hold the run-time batch size.
 */
export const unreduce: OpDef = {
  name: 'unreduce',
  summary: 'broadcast g back over the reduced axes of ref (÷ count when mean)',
  arity: 2,
  attrs: { ...REDUCE_ATTRS, mean: { kind: 'bool', default: false } },
  traits: { rowLocal: keepsBatchAxis(1) },
  inferType([g, ref], attrs) {
    const axes = reducedAxes(attrs, ref!.shape.length);
    if (!sameShape(g!.shape, reducedShape(ref!.shape, axes, attrs.keepdims === true)))
      throw new ShapeError('unreduce: g does not have the reduced shape of ref');
    return { dtype: g!.dtype, shape: ref!.shape };
  },
  evaluate([g, ref], attrs) {
    const axes = reducedAxes(attrs, ref!.shape.length);
    const out = tensor(ref!.shape);
    const map = reductionIndex(ref!.shape, axes);
    const scale = attrs.mean === true ? g!.data.length / Math.max(1, out.data.length) : 1;
    for (let i = 0; i < out.data.length; i++) out.data[i] = g!.data[map[i]!]! * scale;
    return out;
  },
};
