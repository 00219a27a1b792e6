import type { Node } from '../graph.js';
import { ShapeError, type ChannelProduct, type OpDef } from '../registry.js';
import { broadcastConcrete, broadcastIndex, sizeOf, tensor, type Tensor } from '../tensor.js';
import { formatShape, type Dim, type Shape, type TensorType } from '../types.js';
import { broadcastShapes } from './elementwise-helpers.js';

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

/**
 * numpy / ONNX MatMul: operands of rank >= 2 are stacks of matrices whose leading axes broadcast
 * (the batch axis on either side among them); a 1-D a is [1, k] and a 1-D b is [k, 1], the added
 * axis removed from the result. The result may have one batch axis, and only as its first.
 */
export function inferBatchedMatmul(a: TensorType, b: TensorType): TensorType {
  if (a.shape.length < 1 || b.shape.length < 1) throw new ShapeError('matmul operands must have at least one axis');
  const a2: Shape = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const b2: Shape = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  if (a2[a2.length - 1] !== b2[b2.length - 2]) throw new ShapeError(`matmul inner dimensions differ: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  let stack: Shape;
  try {
    stack = broadcastShapes([a2.slice(0, -2), b2.slice(0, -2)]);
  } catch {
    throw new ShapeError(`matmul leading axes do not broadcast: ${formatShape(a.shape)} x ${formatShape(b.shape)}`);
  }
  const shape: Dim[] = [...stack, ...(a.shape.length === 1 ? [] : [a2[a2.length - 2]!]), ...(b.shape.length === 1 ? [] : [b2[b2.length - 1]!])];
  const batchAxes = shape.filter((d) => d === null).length;
  if (batchAxes > 1 || (batchAxes === 1 && shape[0] !== null))
    throw new ShapeError(`matmul ${formatShape(a.shape)} x ${formatShape(b.shape)} would give ${formatShape(shape)}: the batch axis must be the result's only symbolic axis and its first`);
  return { dtype: a.dtype, shape };
}

/** numpy matmul of concrete tensors (see inferBatchedMatmul). */
export function batchedMatmul(a: Tensor, b: Tensor): Tensor {
  const a2 = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const b2 = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const [m, k] = a2.slice(-2) as [number, number];
  const n = b2[b2.length - 1]!;
  const aStack = a2.slice(0, -2);
  const bStack = b2.slice(0, -2);
  const stack = broadcastConcrete(aStack, bStack);
  if (!stack) throw new ShapeError(`matmul leading axes do not broadcast: [${a.shape.join(',')}] x [${b.shape.join(',')}]`);
  const aMap = broadcastIndex(stack, aStack);
  const bMap = broadcastIndex(stack, bStack);
  const out = tensor([...stack, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])]);
  for (let s = 0; s < sizeOf(stack); s++) {
    const aBase = aMap[s]! * m * k;
    const bBase = bMap[s]! * k * n;
    for (let r = 0; r < m; r++)
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let i = 0; i < k; i++) acc += a.data[aBase + r * k + i]! * b.data[bBase + i * n + j]!;
        out.data[(s * m + r) * n + j] = acc;
      }
  }
  return out;
}

/** A product whose output channel is its kernel's last axis (matmul, dense, conv2d), the bias (if the op takes one) `biasOperand`. */
export function lastKernelAxis(node: Node, biasOperand?: number): ChannelProduct {
  return { kernelAxes: [node.inputs[1]!.type.shape.length - 1], ...(biasOperand === undefined ? {} : { biasOperand }) };
}

/** True when b is one [k, n] matrix without a batch axis and a has rank >= 2: rows times a matrix. */
export function isRowsTimesMatrix(a: TensorType, b: TensorType): boolean {
  return a.shape.length >= 2 && b.shape.length === 2 && !b.shape.includes(null);
}

/**
 * matmul is row-local when the contracted axis is not the batch axis and each batched operand,
 * like the result, has the batch as its first axis (a stack of matrices, or the rows of a).
 */
export function matmulRowLocal(node: Node): boolean {
  const [a, b] = node.inputs as [Node, Node];
  if (isRowsTimesMatrix(a.type, b.type)) return rowsTimesConstant(node);
  const k = a.type.shape[a.type.shape.length - 1];
  const batchFirst = (s: Shape) => s.indexOf(null) <= 0;
  return k !== null && batchFirst(a.type.shape) && batchFirst(b.type.shape) && node.type.shape[0] === null;
}

export const matmul: OpDef = {
  name: 'matmul',
  summary: 'numpy matmul: a[..., m, k] x b[..., k, n] -> [..., m, n] (leading axes broadcast; 1-D operands)',
  arity: 2,
  attrs: {},
  traits: { rowLocal: matmulRowLocal, channelProduct: (node) => (isRowsTimesMatrix(node.inputs[0]!.type, node.inputs[1]!.type) ? lastKernelAxis(node) : undefined) },
  inferType: ([a, b]) => inferBatchedMatmul(a!, b!),
  evaluate: ([a, b]) => batchedMatmul(a!, b!),
  // y = a w: da = g wᵀ, dw = aᵀ g (summed over every row of the batch).
  gradient: (b, node, g) => {
    const [x, w] = node.inputs as [Node, Node];
    if (!isRowsTimesMatrix(x.type, w.type)) throw new ShapeError(`the gradient of matmul ${formatShape(x.type.shape)} x ${formatShape(w.type.shape)} is not supported (only rows times a [k, n] matrix)`);
    return [b.op('matmul_nt', [g, w]), b.op('matmul_tn', [x, g])];
  },
};
