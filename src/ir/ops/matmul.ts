import type { Node } from '../graph.js';
import { ShapeError, type OpDef } from '../registry.js';
import { tensor, type Tensor } from '../tensor.js';
import { formatShape, type TensorType } from '../types.js';

/** Contracts the last axis of `a` with the first of the rank-2 `b` (Keras Dense semantics). */
export function inferMatmul(a: TensorType, b: TensorType): TensorType {
  if (b.shape.length !== 2) throw new ShapeError(`matmul weight must be rank 2, got ${formatShape(b.shape)}`);
  if (a.shape.length < 1) throw new ShapeError('matmul operand must have at least one axis');
  const k = a.shape[a.shape.length - 1];
  if (k !== b.shape[0]) throw new ShapeError(`matmul inner dimensions differ: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  return { dtype: a.dtype, shape: [...a.shape.slice(0, -1), b.shape[1]!] };
}

/** Reference row-by-row product; returns rows x n. */
export function matmulRows(a: Tensor, b: Tensor): Tensor {
  const k = b.shape[0]!;
  const n = b.shape[1]!;
  const rows = a.data.length / k;
  const out = tensor([...a.shape.slice(0, -1), n]);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let i = 0; i < k; i++) acc += a.data[r * k + i]! * b.data[i * n + j]!;
      out.data[r * n + j] = acc;
    }
  }
  return out;
}

/**
 * The row-local rule of products that contract the last axis of operand 0 with a rank-2 operand 1
 * (matmul, matmul_nt, dense): row-local when operand 1 (and a bias) has no batch axis and the
 * contracted axis is not the batch axis.
 */
export function rowsTimesConstant(node: Node): boolean {
  const [x, ...rest] = node.inputs;
  return x!.type.shape[x!.type.shape.length - 1] !== null && rest.every((w) => !w.type.shape.includes(null));
}

export const matmul: OpDef = {
  name: 'matmul',
  summary: 'a[..., k] x b[k, n] -> [..., n]',
  arity: 2,
  attrs: {},
  traits: { rowLocal: rowsTimesConstant },
  inferType: ([a, b]) => inferMatmul(a!, b!),
  evaluate: ([a, b]) => matmulRows(a!, b!),
  // y = a w: da = g wᵀ, dw = aᵀ g (summed over every row of the batch).
  gradient: (b, node, g) => [b.op('matmul_nt', [g, node.inputs[1]!]), b.op('matmul_tn', [node.inputs[0]!, g])],
};
