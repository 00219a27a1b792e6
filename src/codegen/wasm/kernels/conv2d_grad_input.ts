import type { Node } from '../../../ir/graph.js';
import { isPointwise, type ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { constantB, emitGemm, emitPackPanels, panelBytes, rowMajor } from '../gemm.js';
import { emitCol2im, images, nodeGeometry, patchScratch, pixels } from './conv2d-patches.js';
import { emitWinogradConv, fitsWinograd, winogradScratchBytes } from './conv2d-winograd.js';
import { emitZero, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';

// The result is shaped like conv2d's x (whether or not x is an operand): it stands in for x.
const geometry = (node: Node) => {
  const [kh, kw] = node.inputs[1]!.type.shape as number[];
  return nodeGeometry(node, kh!, kw!, node);
};

/**
 * dx of a 3x3 stride-1 conv as a convolution of its own: dy, padded by 2 - the forward's padding,
 * convolved with w turned 180° and its channel axes swapped (WinogradFilter's `flipped`), which
 * Winograd's kernel runs. Undefined when that kernel does not fit.
 */
function winogradGeometry(node: Node): ConvGeometry | undefined {
  const g = geometry(node);
  const f = node.inputs[1]!.type.shape[3] as number;
  const grad = { ...g, h: g.oh, w: g.ow, c: f, oh: g.h, ow: g.w, padTop: g.kh - 1 - g.padTop, padLeft: g.kw - 1 - g.padLeft, k: g.kh * g.kw * f };
  return fitsWinograd(grad, g.c) ? grad : undefined;
}

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
 * stride-1 conv writes dx directly; a 3x3 stride-1 one runs as Winograd's (winogradGeometry).
 */
export const conv2dGradInputKernel: WasmKernel = {
  scratch(node) {
    const grad = winogradGeometry(node);
    if (grad) return { fixedBytes: winogradScratchBytes(grad, node.type.shape[3] as number, node.inputs[1]!), bytesPerRow: 0 };
    const g = geometry(node);
    const patches = patchScratch(node, g);
    return { fixedBytes: patches.fixedBytes + packedBytes(node, g.k), bytesPerRow: patches.bytesPerRow };
  },
  emit(ctx, node) {
    const { m } = ctx;
    const [dy, w] = node.inputs as [Node, Node];
    const grad = winogradGeometry(node);
    if (grad) return emitWinogradConv(ctx, { w, flipped: true }, undefined, grad, node.type.shape[3] as number, undefined, { x: () => ctx.addr(dy), y: () => ctx.addr(node), images: images(ctx, dy), scratch: () => ctx.scratch() });
    const g = geometry(node);
    const f = w.type.shape[3] as number;
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
