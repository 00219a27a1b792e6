/**
 * The filter gradient of a 3x3 stride-1 conv by Winograd's minimal filtering turned around
 * (winograd-scheme.ts): dw[tap] = Σ over images and tiles of Gᵀ[(Bᵀ d B) ⊙ (A dy Aᵀ)]G, where d
 * is a tile's α x α patch of x and dy its m x m block of the output gradient. Summed over tiles,
 * the elementwise products are α² GEMMs contracting the tiles, P[ξ] [c, f] += V[ξ]ᵀ x W[ξ], in the
 * form of the weight gradients' matmul_tn (V read transposed in place). In groups of images as
 * the forward kernel, the tiles of a group contracted together: each image's x into its frame
 * and V, its dy into its own zero-bordered frame (a tile over the edge reads zeros) and W,
 * packed into panels as the GEMM reads B; the α² sums stay in scratch until the last group,
 * then become dw.
 */
import binaryen from 'binaryen';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitGemm, panelBytes, type Count } from '../gemm.js';
import { emitZero } from './copy.js';
import {
  emitFrameCopy,
  emitGradientFrameCopy,
  emitGradientTransform,
  emitGroupImages,
  emitImageGroups,
  emitInputTransform,
  frameOf,
  gradientFrameBytes,
  groupLimit,
  groupRows,
  imageOffset,
  inputPlacement,
  laneOps,
  panelOffset,
  positionStride,
  SETTLE_BYTES,
  type Frame,
} from './conv2d-winograd.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** The scratch's parts, in order: x's frame, dy's frame, V, W (α² packed [slots, f]), the α² sums P [c, f] and the transforms' settling; and the strides of W's and P's positions. */
function partsOf(g: ConvGeometry, f: number, limit: number): { s: Frame; dyFrameBytes: number; wStride: number; sumStride: number; sumBytes: number } {
  const s = frameOf(g, f, limit);
  const sumStride = positionStride(g.c * f * 4);
  return { s, dyFrameBytes: gradientFrameBytes(s, f), wStride: positionStride(panelBytes(s.slots, f)), sumStride, sumBytes: s.scheme.positions * sumStride };
}

/** Scratch bytes for calls of at most `limit` images (groupLimit). */
export function winogradFilterGradientScratchBytes(g: ConvGeometry, f: number, limit: number): number {
  const { s, dyFrameBytes, wStride, sumBytes } = partsOf(g, f, limit);
  return s.frameBytes + dyFrameBytes + s.vBytes + s.scheme.positions * wStride + sumBytes + SETTLE_BYTES;
}

/** Where one call reads and writes: `images` images of x and dy, dw [3, 3, c, f], the kernel's scratch. */
export interface FilterGradientTarget {
  readonly x: () => Expr;
  readonly dy: () => Expr;
  readonly dw: () => Expr;
  readonly images: Count;
  readonly scratch: () => Expr;
}

export function emitWinogradFilterGradient(ctx: KernelContext, g: ConvGeometry, f: number, t: FilterGradientTarget): Expr {
  const { m } = ctx;
  const { s, dyFrameBytes, wStride, sumStride, sumBytes } = partsOf(g, f, groupLimit(t.images));
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const at = (bytes: number) => () => m.i32.add(t.scratch(), c(bytes));
  const xFrame = t.scratch;
  const dyFrame = at(s.frameBytes);
  const vBase = at(s.frameBytes + dyFrameBytes);
  const wBase = at(s.frameBytes + dyFrameBytes + s.vBytes);
  const sums = at(s.frameBytes + dyFrameBytes + s.vBytes + s.scheme.positions * wStride);
  const settleAt = at(s.frameBytes + dyFrameBytes + s.vBytes + s.scheme.positions * wStride + sumBytes);
  const { store, loads, arithmetic, lanes } = laneOps(ctx, settleAt);
  const [xi, xImage, dyImage] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];

  /** W[ξ][tile][ch] = (A dy Aᵀ)[ξ] of each tile's m x m block of dy, into panels of 8 channels (PanelsB, k = the group's tiles); `image` in the group. */
  const transformGradient = (image: () => Expr) =>
    emitGradientTransform(ctx, s, f, dyFrame, (tile, ch) => m.i32.add(wBase(), panelOffset(ctx, s.slots, m.i32.add(m.i32.mul(image(), c(s.tiles)), tile), ch)), wStride, settleAt);

  /** P[ξ] += V[ξ]ᵀ x W[ξ] for every position, over a group of `n` images' tiles. */
  const sumAt = () => m.i32.add(sums(), m.i32.mul(get(xi), c(sumStride)));
  const products = (n: () => Expr) =>
    forLoop(ctx, xi, c(0), () => c(s.scheme.positions), 1, [
      emitGemm(ctx, {
        m: g.c,
        k: groupRows(ctx, s, n),
        n: f,
        a: { addr: () => m.i32.add(vBase(), m.i32.mul(get(xi), c(s.vStride))), rowStride: 1, colStride: g.c },
        b: { panels: () => m.i32.add(wBase(), m.i32.mul(get(xi), c(wStride))), kCapacity: s.slots },
        c: { addr: sumAt, rowStride: f, colStride: 1 },
        residual: { addr: sumAt, rowStride: f, colStride: 1 },
      }),
    ]);

  /** dw[tap][ci][ch] = (Gᵀ P G)[tap] for every channel pair. */
  const transformSums = (() => {
    const [ci, ch, pAt, dwAt] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
    const body: Expr[] = [
      m.local.set(pAt, m.i32.add(m.i32.add(sums(), m.i32.mul(get(ci), c(f * 4))), get(ch))),
      m.local.set(dwAt, m.i32.add(m.i32.add(t.dw(), m.i32.mul(get(ci), c(f * 4))), get(ch))),
    ];
    const p = loads(() => get(pAt), Array.from({ length: s.scheme.positions }, (_, xi) => xi * sumStride));
    s.scheme.filterGradientTile(p, arithmetic(body), (value, tap) => body.push(store(tap * g.c * f * 4, get(dwAt), value())));
    return forLoop(ctx, ci, c(0), () => c(g.c), 1, [forLoop(ctx, ch, c(0), () => c(f * 4), lanes * 4, body)]);
  })();

  return m.block(null, [
    // Both frames' borders stay zero: each image writes only their interiors.
    emitZero(ctx, xFrame, s.frameBytes + dyFrameBytes),
    emitZero(ctx, sums, sumBytes),
    emitImageGroups(ctx, s, t.images, (first, n) => [
      emitGroupImages(ctx, n, (image) => [
        m.local.set(xImage, m.i32.add(t.x(), imageOffset(ctx, first, image, g.h * g.w * g.c * 4))),
        m.local.set(dyImage, m.i32.add(t.dy(), imageOffset(ctx, first, image, g.oh * g.ow * f * 4))),
        emitFrameCopy(ctx, inputPlacement(g, s), s.rows, xFrame, () => get(xImage)),
        emitGradientFrameCopy(ctx, g, s, f, dyFrame, () => get(dyImage)),
        emitInputTransform(ctx, g, s, xFrame, () => m.i32.add(vBase(), m.i32.mul(image(), c(s.tiles * g.c * 4))), settleAt),
        transformGradient(image),
      ]),
      products(n),
    ]),
    transformSums,
  ]);
}
