import { ShapeError, type OpDef } from '../registry.js';
import { tensor, type Tensor } from '../tensor.js';
import { formatShape, sameShape } from '../types.js';

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

export const matmulTn: OpDef = {
  name: 'matmul_tn',
  summary: 'a[..., m]ᵀ x b[..., n] -> [m, n], summing over all leading axes (weight gradients)',
  arity: 2,
  attrs: {},
  // Sums over every leading axis, the batch included.
  traits: { rowLocal: false },
  inferType([a, b]) {
    if (a!.shape.length < 1 || !sameShape(a!.shape.slice(0, -1), b!.shape.slice(0, -1)))
      throw new ShapeError(`matmul_tn: leading axes differ: ${formatShape(a!.shape)} vs ${formatShape(b!.shape)}`);
    return { dtype: a!.dtype, shape: [a!.shape[a!.shape.length - 1]!, b!.shape[b!.shape.length - 1]!] };
  },
  evaluate: ([a, b]) => matmulTN(a!, b!),
  // y = aᵀ b: da = b gᵀ, db = a g.
  gradient: (b, node, g) => [b.op('matmul_nt', [node.inputs[1]!, g]), b.op('matmul', [node.inputs[0]!, g])],
};
