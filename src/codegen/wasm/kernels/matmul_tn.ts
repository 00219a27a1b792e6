import { constantB, emitGemm, rowMajor, rowsOf } from '../gemm.js';
import type { WasmKernel } from './kernel.js';

/**
 * aᵀ x b for a[..., m] and b[..., n] (the weight gradient xᵀ·dy): the GEMM contracting every
 * leading axis, the batch included, so k is a run-time count. A is read transposed in place
 * (element (i, r) at r·m + i) and b row-major, so nothing is copied.
 */
export const matmulTnKernel: WasmKernel = {
  emit(ctx, node) {
    const [a, b] = node.inputs as [typeof node, typeof node];
    const [m, n] = node.type.shape as [number, number];
    return emitGemm(ctx, {
      m,
      k: rowsOf(ctx, a, m),
      n,
      a: { addr: () => ctx.addr(a), rowStride: 1, colStride: m },
      b: constantB(b) ?? rowMajor(ctx, b, n),
      c: rowMajor(ctx, node, n),
    });
  },
};
