import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { stridesOf, typedTensor } from '../tensor.js';
import { DTYPES } from '../types.js';

/** Whether `perm` orders the axes 0..rank-1 (each once). */
export function isPermutation(perm: readonly number[], rank: number): boolean {
  return perm.length === rank && perm.every((p) => Number.isInteger(p) && p >= 0 && p < rank) && new Set(perm).size === rank;
}

/** The permutation that undoes `perm`: transpose(transpose(x, perm), inversePerm(perm)) = x. */
export function inversePerm(perm: readonly number[]): number[] {
  const inverse = new Array<number>(perm.length);
  perm.forEach((p, i) => (inverse[p] = i));
  return inverse;
}

/** transpose(transpose(x, first), second) = transpose(x, composePerms(first, second)). */
export const composePerms = (first: readonly number[], second: readonly number[]): number[] => second.map((p) => first[p]!);

export const isIdentityPerm = (perm: readonly number[]): boolean => perm.every((p, i) => p === i);

/** Row-local when the batch axis (if the operand has one) stays where it is. */
function keepsBatchAxis(node: Node): boolean {
  const shape = node.inputs[0]!.type.shape;
  const perm = node.attrs.perm as number[];
  return shape.every((d, i) => d !== null || perm[i] === i);
}

/**
 * Result axis i is operand axis perm[i] (numpy / ONNX Transpose). The batch axis may move like any
 * other; then the op reads across rows (not row-local), and a backend that keeps the batch on axis
 * 0 refuses it.
 */
export const transpose: OpDef = {
  name: 'transpose',
  summary: 'permute the axes: result axis i is operand axis perm[i]',
  arity: 1,
  attrs: { perm: { kind: 'ints' } },
  traits: { rowLocal: keepsBatchAxis },
  dtypes: { operands: DTYPES },
  inferType([x], attrs) {
    const perm = attrs.perm as number[];
    if (!isPermutation(perm, x!.shape.length)) throw new ShapeError(`perm [${perm.join(',')}] is not a permutation of the ${x!.shape.length} axes`);
    return { dtype: x!.dtype, shape: perm.map((p) => x!.shape[p]!) };
  },
  evaluate([x], attrs, out) {
    const perm = attrs.perm as number[];
    const shape = out.shape as number[];
    const inStrides = stridesOf(x!.shape);
    const stepOf = perm.map((p) => inStrides[p]!);
    const result = typedTensor(shape, out.dtype);
    const index = new Array<number>(shape.length).fill(0);
    let from = 0;
    for (let i = 0; i < result.data.length; i++) {
      result.data[i] = x!.data[from]!;
      // Advance the result's index like an odometer, moving `from` by the operand's strides.
      for (let k = shape.length - 1; k >= 0; k--) {
        from += stepOf[k]!;
        if (++index[k]! < shape[k]!) break;
        from -= stepOf[k]! * shape[k]!;
        index[k] = 0;
      }
    }
    return result;
  },
  gradient: (b, node, g) => [b.op('transpose', [g], { perm: inversePerm(node.attrs.perm as number[]) })],
};
