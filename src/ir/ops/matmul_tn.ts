import { ShapeError, type OpDef } from '../registry.js';
import { tensor, type Tensor } from '../tensor.js';
import { formatShape, sameShape, sameType } from '../types.js';

/** a[rows, m]ᵀ x b[rows, n] -> [m, n], contracting every leading axis (the batch included). */
export function matmulTN(a: Tensor, b: Tensor): Tensor {
  const m = a.shape[a.shape.length - 1]!;
  const n = b.shape[b.shape.length - 1]!;
  const rows = a.data.length / m;
  const acc = new Float64Array(m * n);
  for (let r = 0; r < rows; r++)
    for (let i = 0; i < m; i++) {
      const av = a.data[r * m + i]!;
      if (av === 0) continue;
      for (let j = 0; j < n; j++) acc[i * n + j]! += av * b.data[r * n + j]!;
    }
  return tensor([m, n], Float32Array.from(acc));
}

/** aᵀ b + c, rounded as the product then the sum (what matmul_tn then add computes). */
function accumulate(product: Tensor, c: Tensor): Tensor {
  return tensor(product.shape, product.data.map((v, i) => v + c.data[i]!));
}

/**
 * The optional third operand `c` is an accumulator of the result's type: aᵀ b + c. A weight used
 * at every step of an unrolled sequence gets one gradient product per step; summed as they come
 * (the accumulate-products pass), each product adds into the running sum in its GEMM's store
 * instead of a separate pass over memory, and only the running sum stays live.
 */
export const matmulTn: OpDef = {
  name: 'matmul_tn',
  summary: 'a[..., m]ᵀ x b[..., n] (+ c) -> [m, n], summing over all leading axes (weight gradients)',
  arity: [2, 3],
  attrs: {},
  // Sums over every leading axis, the batch included.
  traits: { rowLocal: false },
  inferType([a, b, c]) {
    if (a!.shape.length < 1 || !sameShape(a!.shape.slice(0, -1), b!.shape.slice(0, -1)))
      throw new ShapeError(`matmul_tn: leading axes differ: ${formatShape(a!.shape)} vs ${formatShape(b!.shape)}`);
    const type = { dtype: a!.dtype, shape: [a!.shape[a!.shape.length - 1]!, b!.shape[b!.shape.length - 1]!] };
    if (c && !sameType(c, type)) throw new ShapeError(`matmul_tn: the accumulator ${formatShape(c.shape)} is not the result's shape ${formatShape(type.shape)}`);
    return type;
  },
  evaluate: ([a, b, c]) => (c ? accumulate(matmulTN(a!, b!), c) : matmulTN(a!, b!)),
  // y = aᵀ b (+ c): da = b gᵀ, db = a g (, dc = g).
  gradient: (b, node, g) => [b.op('matmul_nt', [node.inputs[1]!, g]), b.op('matmul', [node.inputs[0]!, g]), ...(node.inputs[2] ? [g] : [])],
};
