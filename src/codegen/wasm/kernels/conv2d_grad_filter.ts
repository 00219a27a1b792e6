import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { isPointwise } from '../../../ir/ops/conv2d-geometry.js';
import { forLoop } from '../context.js';
import { constantB, emitGemm, rowMajor, type Strided } from '../gemm.js';
import { emitZero, valueBytes } from './copy.js';
import { emitDirectFilterGradient, fitsDirectFilterGradient } from './conv2d-direct-filter-gradient.js';
import { emitIm2col, images, nodeGeometry, patchScratch, pixels } from './conv2d-patches.js';
import { fitsWinograd, groupLimit } from './conv2d-winograd.js';
import { emitWinogradFilterGradient, winogradFilterGradientScratchBytes } from './conv2d-winograd-filter-gradient.js';
import type { WasmKernel } from './kernel.js';

const geometry = (node: Node) => {
  const [kh, kw] = node.attrs.kernelSize as number[];
  return nodeGeometry(node.inputs[0]!, kh!, kw!, node);
};

/** One image of x: its patches are all the filter gradient needs of it. */
const oneImage = (x: Node): Node => ({ ...x, type: { ...x.type, shape: [1, ...x.type.shape.slice(1)] } });

/**
 * dw [kh·kw·c, f] = im2col(x)ᵀ x dy: the GEMM reads the patch matrix transposed through its
 * strides (no copy). A 1x1 stride-1 conv contracts x itself over every pixel of the batch; any
 * other builds one image's patches at a time and adds that image's product into dw (zeroed
 * first), so the patch matrix stays in cache instead of spanning the batch. A 3x3 stride-1
 * conv's runs as Winograd's (conv2d-winograd-filter-gradient.ts), and a short window's (a first
 * layer's) directly in the SIMD build (conv2d-direct-filter-gradient.ts).
 */
export const conv2dGradFilterKernel: WasmKernel = {
  scratch(node) {
    const g = geometry(node);
    const f = node.type.shape[3] as number;
    return fitsWinograd(g, f) ? { fixedBytes: winogradFilterGradientScratchBytes(g, f, groupLimit(node.inputs[0]!.type.shape[0])), bytesPerRow: 0 } : patchScratch(oneImage(node.inputs[0]!), g);
  },
  emit(ctx, node) {
    const { m } = ctx;
    const [x, dy] = node.inputs as [Node, Node];
    const g = geometry(node);
    const f = node.type.shape[3] as number;
    if (fitsDirectFilterGradient(ctx, g, f)) return emitDirectFilterGradient(ctx, g, f, { x: () => ctx.addr(x), dy: () => ctx.addr(dy), dw: () => ctx.addr(node), images: images(ctx, x) });
    if (fitsWinograd(g, f)) return emitWinogradFilterGradient(ctx, g, f, { x: () => ctx.addr(x), dy: () => ctx.addr(dy), dw: () => ctx.addr(node), images: images(ctx, x), scratch: () => ctx.scratch() });
    const dw = rowMajor(ctx, node, f);
    if (isPointwise(g))
      return emitGemm(ctx, { m: g.k, k: pixels(ctx, x, g), n: f, a: { addr: () => ctx.addr(x), rowStride: 1, colStride: g.k }, b: constantB(dy) ?? rowMajor(ctx, dy, f), c: dw });
    const n = ctx.local(binaryen.i32);
    const perImage = g.oh * g.ow;
    const at = (base: Node, bytes: number) => () => m.i32.add(ctx.addr(base), m.i32.mul(m.local.get(n, binaryen.i32), ctx.i32(bytes)));
    const imageDy: Strided = { addr: at(dy, perImage * f * 4), rowStride: f, colStride: 1 };
    const count = images(ctx, x);
    return m.block(null, [
      emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)),
      forLoop(ctx, n, ctx.i32(0), () => (typeof count === 'number' ? ctx.i32(count) : count()), 1, [
        emitIm2col(ctx, x, g, () => ctx.scratch(), { base: at(x, g.h * g.w * g.c * 4), pixels: perImage }),
        emitGemm(ctx, { m: g.k, k: perImage, n: f, a: { addr: () => ctx.scratch(), rowStride: 1, colStride: g.k }, b: imageDy, c: dw, residual: dw }),
      ]),
    ]);
  },
};
