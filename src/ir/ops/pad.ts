import { ShapeError, type OpDef } from '../registry.js';
import { stridesOf, typedTensor } from '../tensor.js';
import { DTYPES, type Dim } from '../types.js';
import { normalizeAxis, notAlongBatch } from './softmax.js';

/** Zeros around x along one non-batch axis: `before` entries, x, `after` entries (slice's gradient). */
export const pad: OpDef = {
  name: 'pad',
  summary: 'zero-pad x with `before` / `after` entries along `axis`',
  arity: 1,
  attrs: { axis: { kind: 'int' }, before: { kind: 'int', default: 0 }, after: { kind: 'int', default: 0 } },
  traits: { rowLocal: notAlongBatch, alongAxis: true },
  // Zeros of any dtype (0, 0, false).
  dtypes: { operands: DTYPES },
  inferType([x], attrs) {
    const axis = normalizeAxis(Number(attrs.axis), x!.shape.length);
    const extent = x!.shape[axis];
    const before = attrs.before as number;
    const after = attrs.after as number;
    if (extent === null || extent === undefined || before < 0 || after < 0) throw new ShapeError(`cannot pad axis ${axis} by ${before}/${after}`);
    const shape: Dim[] = [...x!.shape];
    shape[axis] = before + extent + after;
    return { dtype: x!.dtype, shape };
  },
  evaluate([x], attrs, out) {
    const shape = out.shape as number[];
    const axis = normalizeAxis(Number(attrs.axis), shape.length);
    const inner = stridesOf(shape)[axis]!;
    const inRow = inner * x!.shape[axis]!;
    const outRow = inner * shape[axis]!;
    const start = (attrs.before as number) * inner;
    const result = typedTensor(shape, out.dtype);
    for (let o = 0; o < x!.data.length / inRow; o++) result.data.set(x!.data.subarray(o * inRow, (o + 1) * inRow), o * outRow + start);
    return result;
  },
  gradient: (b, node, g) => [
    b.op('slice', [g], { axis: node.attrs.axis!, begin: node.attrs.before!, size: node.inputs[0]!.type.shape[normalizeAxis(node.attrs.axis as number, node.type.shape.length)] as number }),
  ],
};
