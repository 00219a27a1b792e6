import { ShapeError, type OpDef } from '../registry.js';
import { stridesOf, typedTensor } from '../tensor.js';
import { DTYPES, formatShape, type Dim } from '../types.js';
import { normalizeAxis, notAlongBatch } from './softmax.js';

export const concat: OpDef = {
  name: 'concat',
  summary: 'join operands along `axis` (all other axes equal)',
  arity: 'variadic',
  attrs: { axis: { kind: 'int', default: -1, printDefault: true } },
  // inferType refuses the batch axis; the rule states it all the same.
  traits: { rowLocal: notAlongBatch },
  dtypes: { operands: DTYPES },
  inferType(inputs, attrs) {
    if (inputs.length === 0) throw new ShapeError('concat needs at least one operand');
    const rank = inputs[0]!.shape.length;
    const axis = normalizeAxis(attrs.axis as number, rank);
    let total = 0;
    for (const t of inputs) {
      const ok = t.shape.length === rank && t.shape.every((d, i) => i === axis || d === inputs[0]!.shape[i]);
      if (!ok) throw new ShapeError(`cannot concatenate ${inputs.map((x) => formatShape(x.shape)).join(', ')} along axis ${axis}`);
      const d = t.shape[axis];
      if (d === null || d === undefined) throw new ShapeError('cannot concatenate along the batch axis');
      total += d;
    }
    const shape: Dim[] = [...inputs[0]!.shape];
    shape[axis] = total;
    return { dtype: inputs[0]!.dtype, shape };
  },
  evaluate(inputs, attrs, out) {
    const shape = out.shape as number[];
    const axis = normalizeAxis(attrs.axis as number, shape.length);
    const result = typedTensor(shape, out.dtype);
    const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
    const outRow = stridesOf(shape)[axis]! * shape[axis]!;
    let offset = 0;
    for (const t of inputs) {
      const chunk = stridesOf(t.shape)[axis]! * t.shape[axis]!;
      for (let o = 0; o < outer; o++) result.data.set(t.data.subarray(o * chunk, (o + 1) * chunk), o * outRow + offset);
      offset += chunk;
    }
    return result;
  },
  // Each operand gets its own slice of the gradient.
  gradient(b, node, g) {
    const axis = normalizeAxis(node.attrs.axis as number, node.type.shape.length);
    let begin = 0;
    return node.inputs.map((x) => {
      const size = x.type.shape[axis] as number;
      const part = b.op('slice', [g], { axis, begin, size });
      begin += size;
      return part;
    });
  },
};
