import type { Node } from '../../../ir/graph.js';
import { isPointwise } from '../../../ir/ops/conv2d-geometry.js';
import { constantB, emitGemm, emitPackPanels, panelBytes, rowMajor } from '../gemm.js';
import { emitCol2im, images, nodeGeometry, patchScratch, pixels } from './conv2d-patches.js';
import { emitZero, valueBytes } from './copy.js';
import { groupLimit } from './conv2d-winograd.js';
import { emitWinogradInputGradient, fitsWinogradInputGradient, winogradInputGradientScratchBytes } from './conv2d-winograd-input-gradient.js';
import type { WasmKernel } from './kernel.js';

// The result is shaped like conv2d's x (whether or not x is an operand): it stands in for x.
const geometry = (node: Node) => {
  const [kh, kw] = node.inputs[1]!.type.shape as number[];
  return nodeGeometry(node, kh!, kw!, node);
};

/** Bytes of w packed into panels in scratch (a computed w; a constant one is packed at compile time). */
const packedBytes = (node: Node, k: number) => {
  const w = node.inputs[1]!;
  return constantB(w) ? 0 : panelBytes(w.type.shape[3] as number, k);
};

/**
 * dx = col2im(dy x wᵀ): the GEMM writes the patch-matrix gradient [pixels, kh·kw·c] into kernel
 * scratch, then col2im adds it into a zeroed dx. wᵀ [f, kh·kw·c] is packed into panels: at
 * compile time when w is constant, else at run time at the start of the scratch (the patch matrix
 * follows it), since gathering its columns inside the tiles costs a load per lane. A 1x1
 * stride-1 conv writes dx directly; a 3x3 stride-1 one runs Winograd's over the forward's tiles
 * (conv2d-winograd-input-gradient.ts).
 */
export const conv2dGradInputKernel: WasmKernel = {
  scratch(node) {
    const g = geometry(node);
    const w = node.inputs[1]!;
    const f = w.type.shape[3] as number;
    if (fitsWinogradInputGradient(g, f)) return { fixedBytes: winogradInputGradientScratchBytes(g, f, constantB(w) !== undefined, groupLimit(node.inputs[0]!.type.shape[0])), bytesPerRow: 0 };
    const patches = patchScratch(node, g);
    return { fixedBytes: patches.fixedBytes + packedBytes(node, g.k), bytesPerRow: patches.bytesPerRow };
  },
  emit(ctx, node) {
    const { m } = ctx;
    const [dy, w] = node.inputs as [Node, Node];
    const g = geometry(node);
    const f = w.type.shape[3] as number;
    if (fitsWinogradInputGradient(g, f)) return emitWinogradInputGradient(ctx, w, g, f, { dy: () => ctx.addr(dy), dx: () => ctx.addr(node), images: images(ctx, dy), scratch: () => ctx.scratch() });
    const pointwise = isPointwise(g);
    const packed = packedBytes(node, g.k);
    const panels = () => ctx.scratch();
    const col = pointwise ? () => ctx.addr(node) : () => ctx.scratch(packed);
    const pack = packed ? [emitPackPanels(ctx, { addr: () => ctx.addr(w), rowStride: 1, colStride: f }, f, g.k, panels)] : [];
    const b = constantB(w, true) ?? { panels };
    const gemm = emitGemm(ctx, { m: pixels(ctx, node, g), k: f, n: g.k, a: rowMajor(ctx, dy, f), b, c: { addr: col, rowStride: g.k, colStride: 1 } });
    const add = pointwise ? [] : [emitCol2im(ctx, node, g, col, emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)))];
    return m.block(null, [...pack, gemm, ...add]);
  },
};
