/**
 * The filter gradient of a conv with a short window (k = kh·kw·c ≤ DIRECT_GRAD_K: a first
 * layer's 3x3 taps of one channel) computed directly: dw[tap, ci, fo] = Σ over images and output
 * pixels of x[the pixel's tap, ci] · dy[pixel, fo]. Four output channels at a time, dw's k rows
 * stay in k f32x4 accumulators while one image's pixels go by: per pixel one load of dy and, per
 * tap and channel, one splat of x and one multiply-add (the walk: conv2d-window-walk.ts). The
 * im2col form first copies each pixel's k values into a patch matrix, then runs a GEMM of only
 * k rows (its ninth on the single-row path). SIMD only.
 */
import binaryen from 'binaryen';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { forLoop, type KernelContext } from '../context.js';
import type { Count } from '../gemm.js';
import { emitZero } from './copy.js';
import { windowWalk } from './conv2d-window-walk.js';

type Expr = binaryen.ExpressionRef;
const { i32, v128 } = binaryen;

/** The most rows of dw kept in accumulators: with dy's vector and x's splat, within x64's 16 vector registers. */
export const DIRECT_GRAD_K = 12;

export function fitsDirectFilterGradient(ctx: KernelContext, g: ConvGeometry, f: number): boolean {
  return ctx.simd && g.k <= DIRECT_GRAD_K && f % 4 === 0;
}

/** Where one call reads and writes: `images` images of x and dy, and dw [kh, kw, c, f]. */
export interface DirectFilterGradientTarget {
  readonly x: () => Expr;
  readonly dy: () => Expr;
  readonly dw: () => Expr;
  readonly images: Count;
}

export function emitDirectFilterGradient(ctx: KernelContext, g: ConvGeometry, f: number, t: DirectFilterGradientTarget): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const fresh = () => ctx.local(i32);
  const [img, block, xImage, dyAt] = [fresh(), fresh(), fresh(), fresh()];
  const acc = Array.from({ length: g.k }, () => ctx.local(v128));
  const dyv = ctx.local(v128);
  /** Row r of dw, at the current block of 4 output channels. */
  const dwRow = (r: number) => m.i32.add(t.dw(), m.i32.add(get(block), c(r * f * 4)));

  const walk = windowWalk(ctx, g);
  const pixel: Expr[] = [
    m.local.set(dyv, m.v128.load(0, 4, m.i32.add(get(dyAt), get(block)))),
    ...walk.taps((tap, read) =>
      Array.from({ length: g.c }, (_, ch) => {
        const a = acc[tap * g.c + ch]!;
        return m.local.set(a, ctx.maddF32x4(m.local.get(a, v128), read(ch), m.local.get(dyv, v128)));
      }),
    ),
    m.local.set(dyAt, m.i32.add(get(dyAt), c(f * 4))),
  ];

  /** One image's pixels added into dw's rows at one block of output channels, through the accumulators. */
  const imageBlock = [
    ...acc.map((a, r) => m.local.set(a, m.v128.load(0, 4, dwRow(r)))),
    m.local.set(dyAt, m.i32.add(t.dy(), m.i32.mul(get(img), c(g.oh * g.ow * f * 4)))),
    walk.pixels(() => get(xImage), pixel),
    ...acc.map((a, r) => m.v128.store(0, 4, dwRow(r), m.local.get(a, v128))),
  ];
  const count = t.images;
  return m.block(null, [
    emitZero(ctx, t.dw, g.k * f * 4),
    forLoop(ctx, img, c(0), typeof count === 'number' ? () => c(count) : count, 1, [
      m.local.set(xImage, m.i32.add(t.x(), m.i32.mul(get(img), c(g.h * g.w * g.c * 4)))),
      forLoop(ctx, block, c(0), () => c(f * 4), 16, imageBlock),
    ]),
  ]);
}
