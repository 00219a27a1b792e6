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

/** `whole`: a value without a batch axis viewed as `shape` entire (its rank may change, scalars included). */
function inferWholeReshape(input: Shape, target: readonly number[]): Shape {
  if (input.includes(null)) throw new ShapeError(`a whole reshape takes a value without a batch axis, got ${formatShape(input)}`);
  const count = (input as number[]).reduce((p, d) => p * d, 1);
  if (target.some((d) => !Number.isInteger(d) || d < 1) || target.reduce((p, d) => p * d, 1) !== count)
    throw new ShapeError(`cannot reshape ${formatShape(input)} (${count} elements) into [${target.join(',')}]`);
  return [...target];
}

export const reshape: OpDef = {
  name: 'reshape',
  summary: 'view each row (axis 0 kept) as `shape`, or (`whole`) an unbatched value entire; costs no data movement',
  arity: 1,
  attrs: { shape: { kind: 'ints' }, whole: { kind: 'bool', default: false } },
  // Axis 0 is kept (a whole reshape has no batch axis), so row r of the result is row r of the operand.
  traits: { view: true, rowLocal: true },
  dtypes: { operands: DTYPES },
  inferType: ([x], attrs) => ({ dtype: x!.dtype, shape: attrs.whole ? inferWholeReshape(x!.shape, attrs.shape as number[]) : inferReshape(x!.shape, attrs.shape as number[]) }),
  evaluate: ([x], _attrs, out) => ({ shape: [...(out.shape as number[])], data: x!.data }),
  gradient: (b, node, g) => [b.op('reshape', [g], reshapeAttrs(node.inputs[0]!.type.shape))],
};

/** The attributes of a reshape into `shape`: by rows when it has the batch axis, whole otherwise. */
export function reshapeAttrs(shape: Shape): { shape: number[]; whole: boolean } {
  return shape.includes(null) ? { shape: shape.slice(1) as number[], whole: false } : { shape: [...(shape as number[])], whole: true };
}
