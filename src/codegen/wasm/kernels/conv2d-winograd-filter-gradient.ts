/**
 * The filter gradient of a 3x3 stride-1 conv by Winograd's minimal filtering turned around
 * (winograd-scheme.ts): dw[tap] = Σ over images and tiles of Gᵀ[(Bᵀ d B) ⊙ (A dy Aᵀ)]G, where d
 * is a tile's α x α patch of x and dy its m x m block of the output gradient. Summed over tiles,
 * the elementwise products are α² GEMMs contracting the tiles, P[ξ] [c, f] += V[ξ]ᵀ x W[ξ], in the
 * form of the weight gradients' matmul_tn (V read transposed in place). Image by image as the
 * forward kernel: x into its frame and V, dy into its own zero-bordered frame (a tile over an odd
 * edge reads zeros) and W, packed into panels as the GEMM reads B; the α² sums stay in scratch
 * until the last image, then become dw.
 */
import binaryen from 'binaryen';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitGemm, panelBytes, type Count } from '../gemm.js';
import { emitZero } from './copy.js';
import { emitFrameCopy, emitGradientFrameCopy, emitGradientTransform, emitInputTransform, frameOf, gradientFrameBytes, inputPlacement, laneOps, panelOffset, type Frame } from './conv2d-winograd.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Byte sizes of the scratch's parts, in order: x's frame, dy's frame, V, W (α² packed [tiles, f]) and the sums P. */
function partsOf(g: ConvGeometry, f: number): { s: Frame; dyFrameBytes: number; wBytes: number; sumBytes: number } {
  const s = frameOf(g, f);
  return { s, dyFrameBytes: gradientFrameBytes(s, f), wBytes: panelBytes(s.tiles, f), sumBytes: s.scheme.positions * g.c * f * 4 };
}

export function winogradFilterGradientScratchBytes(g: ConvGeometry, f: number): number {
  const { s, dyFrameBytes, wBytes, sumBytes } = partsOf(g, f);
  return s.frameBytes + dyFrameBytes + s.vBytes + s.scheme.positions * wBytes + sumBytes;
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
  const { s, dyFrameBytes, wBytes, sumBytes } = partsOf(g, f);
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const at = (bytes: number) => () => m.i32.add(t.scratch(), c(bytes));
  const xFrame = t.scratch;
  const dyFrame = at(s.frameBytes);
  const vBase = at(s.frameBytes + dyFrameBytes);
  const wBase = at(s.frameBytes + dyFrameBytes + s.vBytes);
  const sums = at(s.frameBytes + dyFrameBytes + s.vBytes + s.scheme.positions * wBytes);
  const { type, store, loads, arithmetic, lanes } = laneOps(ctx);
  const [img, xi, xImage, dyImage] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];

  /** W[ξ][tile][ch] = (A dy Aᵀ)[ξ] of each tile's m x m block of dy, into panels of 8 channels (PanelsB, k = tiles). */
  const transformGradient = emitGradientTransform(ctx, s, f, dyFrame, (tile, ch) => m.i32.add(wBase(), panelOffset(ctx, s.tiles, tile, ch)), wBytes);

  /** P[ξ] += V[ξ]ᵀ x W[ξ] for every position. */
  const sumAt = () => m.i32.add(sums(), m.i32.mul(get(xi), c(g.c * f * 4)));
  const products = forLoop(ctx, xi, c(0), () => c(s.scheme.positions), 1, [
    emitGemm(ctx, {
      m: g.c,
      k: s.tiles,
      n: f,
      a: { addr: () => m.i32.add(vBase(), m.i32.mul(get(xi), c(s.tiles * g.c * 4))), rowStride: 1, colStride: g.c },
      b: { panels: () => m.i32.add(wBase(), m.i32.mul(get(xi), c(wBytes))), kCapacity: s.tiles },
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
    const p = loads(body, () => get(pAt), Array.from({ length: s.scheme.positions }, (_, xi) => xi * g.c * f * 4));
    s.scheme.filterGradientTile(p, arithmetic(body)).forEach((l, tap) => body.push(store(tap * g.c * f * 4, get(dwAt), m.local.get(l, type))));
    return forLoop(ctx, ci, c(0), () => c(g.c), 1, [forLoop(ctx, ch, c(0), () => c(f * 4), lanes * 4, body)]);
  })();

  const count = t.images;
  return m.block(null, [
    // Both frames' borders stay zero: each image writes only their interiors.
    emitZero(ctx, xFrame, s.frameBytes + dyFrameBytes),
    emitZero(ctx, sums, sumBytes),
    forLoop(ctx, img, c(0), typeof count === 'number' ? () => c(count) : count, 1, [
      m.local.set(xImage, m.i32.add(t.x(), m.i32.mul(get(img), c(g.h * g.w * g.c * 4)))),
      m.local.set(dyImage, m.i32.add(t.dy(), m.i32.mul(get(img), c(g.oh * g.ow * f * 4)))),
      emitFrameCopy(ctx, inputPlacement(g, s), s.rows, xFrame, () => get(xImage)),
      emitGradientFrameCopy(ctx, g, s, f, dyFrame, () => get(dyImage)),
      emitInputTransform(ctx, g, s, xFrame, vBase),
      transformGradient,
      products,
    ]),
    transformSums,
  ]);
}
