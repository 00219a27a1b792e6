import { ShapeError, type OpDef } from '../registry.js';
import { DTYPES, formatShape, type Dim, type Shape } from '../types.js';

/**
 * Resolves a per-row target shape (batch axis excluded, one -1 allowed) against the per-row
 * element count of the operand.
 */
export function resolveRowShape(target: readonly number[], rowElements: number): number[] {
  const known = target.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
  const unknown = target.filter((d) => d === -1).length;
  if (unknown > 1 || target.some((d) => d === 0 || d < -1)) throw new ShapeError(`invalid reshape target [${target.join(',')}]`);
  if (unknown === 1) {
    if (rowElements % known !== 0) throw new ShapeError(`cannot reshape ${rowElements} elements per row into [${target.join(',')}]`);
    return target.map((d) => (d === -1 ? rowElements / known : d));
  }
  if (known !== rowElements) throw new ShapeError(`cannot reshape ${rowElements} elements per row into [${target.join(',')}]`);
  return [...target];
}

/** Rows stay rows: axis 0 (the batch) is kept, the rest is reshaped to `shape`. */
export function inferReshape(input: Shape, target: readonly number[]): Shape {
  if (input.length === 0) throw new ShapeError('cannot reshape a scalar');
  const rowElements = input.slice(1).reduce<number>((p, d) => {
    if (d === null) throw new ShapeError(`only the batch axis may be unknown, got ${formatShape(input)}`);
    return p * d;
  }, 1);
  return [input[0] as Dim, ...resolveRowShape(target, rowElements)];
}

export const reshape: OpDef = {
  name: 'reshape',
  summary: 'view each row (axis 0 kept) as `shape`; costs no data movement',
  arity: 1,
  attrs: { shape: { kind: 'ints' } },
  // Axis 0 is kept, so row r of the result is row r of the operand.
  traits: { view: true, rowLocal: true },
  dtypes: { operands: DTYPES },
  inferType: ([x], attrs) => ({ dtype: x!.dtype, shape: inferReshape(x!.shape, attrs.shape as number[]) }),
  evaluate: ([x], _attrs, out) => ({ shape: [...(out.shape as number[])], data: x!.data }),
  gradient: (b, node, g) => [b.op('reshape', [g], { shape: node.inputs[0]!.type.shape.slice(1) as number[] })],
};
