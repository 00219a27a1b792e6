import { ShapeError, type OpDef } from '../registry.js';
import { stridesOf, typedTensor } from '../tensor.js';
import { DTYPES, type Dim, type TensorType } from '../types.js';
import { normalizeAxis } from './softmax.js';

const severalResults = (): never => {
  throw new ShapeError('split has several results: build it with GraphBuilder.multi');
};

/**
 * x cut along one non-batch axis into consecutive pieces of `sizes` (ONNX Split): one result per
 * piece, read through `result` projections. Result k is slice(x, axis, begin = sizes[0..k) summed,
 * size = sizes[k]), so backends emit it as N slices.
 *
 *   %1, %2 = split %x {axis=1, sizes=[2,3]} : f32[?,2], f32[?,3]
 */
export const split: OpDef = {
  name: 'split',
  summary: 'cut x along `axis` into consecutive pieces of `sizes` (one result per piece)',
  arity: 1,
  attrs: { axis: { kind: 'int' }, sizes: { kind: 'ints' } },
  // The batch axis cannot be split (inferTypes refuses it): each result row is its input row's.
  traits: { rowLocal: true },
  dtypes: { operands: DTYPES },
  inferType: severalResults,
  evaluate: severalResults,
  inferTypes([x], attrs) {
    const axis = normalizeAxis(Number(attrs.axis), x!.shape.length);
    const sizes = attrs.sizes;
    const extent = x!.shape[axis];
    if (extent === null || extent === undefined) throw new ShapeError('cannot split along the batch axis');
    if (!Array.isArray(sizes) || sizes.length === 0 || sizes.some((s) => !Number.isInteger(s) || s < 1))
      throw new ShapeError(`split sizes must be one or more positive integers, got ${JSON.stringify(sizes)}`);
    const total = sizes.reduce((a, s) => a + s, 0);
    if (total !== extent) throw new ShapeError(`split sizes [${sizes.join(',')}] add up to ${total}, but axis ${axis} has extent ${extent}`);
    return sizes.map((size): TensorType => {
      const shape: Dim[] = [...x!.shape];
      shape[axis] = size;
      return { dtype: x!.dtype, shape };
    });
  },
  evaluateResults([x], attrs, outs) {
    const axis = normalizeAxis(Number(attrs.axis), x!.shape.length);
    const inner = stridesOf(x!.shape)[axis]!;
    const inRow = inner * x!.shape[axis]!;
    const outer = x!.data.length / inRow;
    let start = 0;
    return outs.map((out) => {
      const shape = out.shape as number[];
      const outRow = inner * shape[axis]!;
      const result = typedTensor(shape, out.dtype);
      for (let o = 0; o < outer; o++) result.data.set(x!.data.subarray(o * inRow + start, o * inRow + start + outRow), o * outRow);
      start += outRow;
      return result;
    });
  },
  // The gradients of the pieces joined back along the axis; zeros for a piece no gradient reached.
  gradientResults(b, node, grads) {
    const x = node.inputs[0]!;
    const axis = normalizeAxis(Number(node.attrs.axis), x.type.shape.length);
    let begin = 0;
    const parts = (node.attrs.sizes as readonly number[]).map((size, k) => {
      const g = grads[k] ?? b.op('elementwise', [b.op('slice', [x], { axis, begin, size })], { expr: '0' });
      begin += size;
      return g;
    });
    return [parts.length === 1 ? parts[0]! : b.op('concat', parts, { axis })];
  },
};
