import type { Node } from '../../../ir/graph.js';
import { constantB, emitGemm, emitPackPanels, panelBytes, rowsTimesB, stagingBytes, withStaging, type PackedB, type PanelsB, type Strided } from '../gemm.js';
import type { WasmKernel } from './kernel.js';

/** w [n, k] as the GEMM's B = wᵀ [k, n]: column j of B is row j of w. */
const transposedShape = (node: Node) => {
  const w = node.inputs[1]!;
  const [n, k] = w.type.shape as [number, number];
  return { w, n, k };
};

/** Scratch bytes where a computed w is packed, transposed, at run time. */
function packedBytes(node: Node): number {
  const { w, n, k } = transposedShape(node);
  return constantB(w) ? 0 : panelBytes(k, n);
}

/**
 * x times the transpose of w[n, k]: the dense GEMM. A constant w is transposed while it is packed
 * at compile time; a computed one is packed into the kernel's scratch at run time, then read like
 * a constant (gathering its columns inside the tiles would cost a load per lane per row block).
 */
export const matmulNtKernel: WasmKernel = {
  scratch(node) {
    const { n, k } = transposedShape(node);
    return { fixedBytes: packedBytes(node) + stagingBytes(k), bytesPerRow: 0 };
  },
  emit(ctx, node) {
    const x = node.inputs[0]!;
    const { w, n, k } = transposedShape(node);
    const constant = constantB(w, true);
    const product = (b: PackedB | PanelsB) => emitGemm(ctx, withStaging(ctx, rowsTimesB(ctx, x, b, k, n, node), packedBytes(node)));
    if (constant) return product(constant);
    const transposed: Strided = { addr: () => ctx.addr(w), rowStride: 1, colStride: k };
    const scratch = () => ctx.scratch();
    return ctx.m.block(null, [emitPackPanels(ctx, transposed, k, n, scratch), product({ panels: scratch })]);
  },
};
