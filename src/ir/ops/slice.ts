import { ShapeError, type OpDef } from '../registry.js';
import { stridesOf, typedTensor } from '../tensor.js';
import { DTYPES, type Dim } from '../types.js';
import { normalizeAxis, notAlongBatch } from './softmax.js';

/** `size` entries from `begin` along one non-batch axis (the gradient of concat). */
export const slice: OpDef = {
  name: 'slice',
  summary: 'x[..., begin:begin+size, ...] along `axis`',
  arity: 1,
  attrs: { axis: { kind: 'int' }, begin: { kind: 'int' }, size: { kind: 'int' } },
  traits: { rowLocal: notAlongBatch, alongAxis: true },
  dtypes: { operands: DTYPES },
  inferType([x], attrs) {
    const axis = normalizeAxis(Number(attrs.axis), x!.shape.length);
    const begin = Number(attrs.begin);
    const size = Number(attrs.size);
    const extent = x!.shape[axis];
    if (extent === null || extent === undefined || begin < 0 || size < 1 || begin + size > extent)
      throw new ShapeError(`slice [${begin}, ${begin + size}) is outside axis ${axis} of extent ${extent ?? '?'}`);
    const shape: Dim[] = [...x!.shape];
    shape[axis] = size;
    return { dtype: x!.dtype, shape };
  },
  evaluate([x], attrs, out) {
    const shape = out.shape as number[];
    const axis = normalizeAxis(Number(attrs.axis), shape.length);
    const inner = stridesOf(x!.shape)[axis]!;
    const inRow = inner * x!.shape[axis]!;
    const outRow = inner * shape[axis]!;
    const outer = x!.data.length / inRow;
    const result = typedTensor(shape, out.dtype);
    const start = Number(attrs.begin) * inner;
    for (let o = 0; o < outer; o++) result.data.set(x!.data.subarray(o * inRow + start, o * inRow + start + outRow), o * outRow);
    return result;
  },
  gradient(b, node, g) {
    const axis = normalizeAxis(Number(node.attrs.axis), node.type.shape.length);
    const begin = Number(node.attrs.begin);
    const after = (node.inputs[0]!.type.shape[axis] as number) - begin - Number(node.attrs.size);
    return [b.op('pad', [g], { axis, before: begin, after })];
  },
};
