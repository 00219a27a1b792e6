import type { Node } from '../../../ir/graph.js';
import { constantB, emitGemm, emitPackPanels, rowsTimesB, sharedPanels, stagingBytes, withStaging, type PackedB, type PanelsB, type Strided } from '../gemm.js';
import type { WasmKernel } from './kernel.js';

/** w [n, k] as the GEMM's B = wᵀ [k, n]: column j of B is row j of w. */
const transposedShape = (node: Node) => {
  const w = node.inputs[1]!;
  const [n, k] = w.type.shape as [number, number];
  return { w, n, k };
};

/**
 * x times the transpose of w[n, k]: the dense GEMM. A constant w is transposed while it is packed
 * at compile time; a computed one is packed at run time, then read like a constant (gathering its
 * columns inside the tiles would cost a load per lane per row block), into scratch that the
 * products reading the same w share (sharedPanels): the first of them packs it for all.
 */
export const matmulNtKernel: WasmKernel = {
  scratch(node) {
    return { fixedBytes: stagingBytes(transposedShape(node).k), bytesPerRow: 0 };
  },
  sharedScratch: (node) => sharedPanels(transposedShape(node).w, true),
  emit(ctx, node) {
    const x = node.inputs[0]!;
    const { w, n, k } = transposedShape(node);
    const constant = constantB(w, true);
    const product = (b: PackedB | PanelsB) => emitGemm(ctx, withStaging(ctx, rowsTimesB(ctx, x, b, k, n, node), 0));
    if (constant) return product(constant);
    const transposed: Strided = { addr: () => ctx.addr(w), rowStride: 1, colStride: k };
    const panels = ctx.shared();
    const read = product({ panels: panels.addr });
    return panels.fills ? ctx.m.block(null, [emitPackPanels(ctx, transposed, k, n, panels.addr), read]) : read;
  },
};
