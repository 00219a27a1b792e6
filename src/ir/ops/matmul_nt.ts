import { ShapeError, type OpDef } from '../registry.js';
import { tensor, type Tensor } from '../tensor.js';
import { formatShape } from '../types.js';
import { rowsTimesConstant } from './matmul.js';

/** a[rows, n] x b[k, n]ᵀ -> [rows, k]: the input gradient of matmul (g x wᵀ) without a transpose. */
export function matmulNT(a: Tensor, b: Tensor): Tensor {
  const k = b.shape[0]!;
  const n = b.shape[1]!;
  const rows = a.data.length / n;
  const out = tensor([...a.shape.slice(0, -1), k]);
  for (let r = 0; r < rows; r++)
    for (let j = 0; j < k; j++) {
      let acc = 0;
      for (let i = 0; i < n; i++) acc += a.data[r * n + i]! * b.data[j * n + i]!;
      out.data[r * k + j] = acc;
    }
  return out;
}

export const matmulNt: OpDef = {
  name: 'matmul_nt',
  summary: 'a[..., n] x b[k, n]ᵀ -> [..., k]',
  arity: 2,
  attrs: {},
  traits: { rowLocal: rowsTimesConstant },
  inferType([a, b]) {
    if (b!.shape.length !== 2 || a!.shape[a!.shape.length - 1] !== b!.shape[1])
      throw new ShapeError(`matmul_nt: cannot multiply ${formatShape(a!.shape)} by the transpose of ${formatShape(b!.shape)}`);
    return { dtype: a!.dtype, shape: [...a!.shape.slice(0, -1), b!.shape[0]!] };
  },
  evaluate: ([a, b]) => matmulNT(a!, b!),
  // y = a bᵀ: da = g b, db = gᵀ a.
  gradient: (b, node, g) => [b.op('matmul', [g, node.inputs[1]!]), b.op('matmul_tn', [g, node.inputs[0]!])],
};
