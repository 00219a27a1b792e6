/**
 * The loop skeleton of resize2d and resize2d_grad. Where each output row and column reads is
 * fixed at compile time (`axisTaps`), so it is baked into constant tables — per output row the
 * byte offsets of its two source rows in an image and its weight, per column the same — and the
 * kernels walk the output pixels, each pixel's channels 4 at a time as f32x4 (with SIMD) and then
 * one at a time.
 */
import binaryen from 'binaryen';
import type { AxisTap, ResizeGeometry } from '../../../ir/ops/resize-geometry.js';
import { forLoop, type KernelContext } from '../context.js';
import { lanes, type Lanes } from './pool-windows.js';

type Expr = binaryen.ExpressionRef;
const { i32, f32 } = binaryen;

/** One block of channels of one output pixel, as the kernel body sees it. */
export interface ResizeBlock {
  readonly lanes: Lanes;
  /** Byte offset of the block in a value of the output's (small side: dy's, big: y's) shape. */
  readonly out: () => Expr;
  /** Byte offset of the block in a value of the source's shape at a corner: top/bottom row, left/right column. */
  corner(bottom: boolean, right: boolean): Expr;
  /** The bottom row's and the right column's weights (f32); the top and left weigh 1 minus them. */
  readonly fy: () => Expr;
  readonly fx: () => Expr;
}

/** [lo, hi] byte offsets per output index, `unit` bytes per source index. */
const offsets = (taps: readonly AxisTap[], unit: number) => Int32Array.from(taps.flatMap((t) => [t.lo * unit, t.hi * unit]));
const weights = (taps: readonly AxisTap[]) => Float32Array.from(taps, (t) => t.frac);

/**
 * Emits `block` for every output pixel of `images` images (the source images are g.h x g.w,
 * the output's g.oh x g.ow, both with g.c channels) and block of its channels.
 */
export function emitResizePixels(ctx: KernelContext, key: string, g: ResizeGeometry, images: () => Expr, block: (b: ResizeBlock) => Expr[]): Expr {
  const { m } = ctx;
  const k = (v: number) => ctx.i32(v);
  const C = g.c;
  const table = (name: string, make: () => Int32Array | Float32Array) => ctx.constant(`resize:${key}:${name}`, make);
  const [rowOff, colOff] = [table('rows', () => offsets(g.rows, g.w * C * 4)), table('cols', () => offsets(g.cols, C * 4))];
  const [rowFrac, colFrac] = [table('fy', () => weights(g.rows)), table('fx', () => weights(g.cols))];
  const fresh = () => ctx.local(i32);
  const [n, oy, ox, c, image, pixel, top, bottom, left, right] = [fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh(), fresh()];
  const [fy, fx] = [ctx.local(f32), ctx.local(f32)];
  const get = (l: number) => m.local.get(l, i32);
  const set = (l: number, v: Expr) => m.local.set(l, v);
  const channelBlock = (width: 1 | 4): Expr[] =>
    block({
      lanes: lanes(m, width),
      out: () => m.i32.add(get(pixel), m.i32.mul(get(c), k(4))),
      corner: (isBottom, isRight) => m.i32.add(m.i32.add(get(image), m.i32.add(get(isBottom ? bottom : top), get(isRight ? right : left))), m.i32.mul(get(c), k(4))),
      fy: () => m.local.get(fy, f32),
      fx: () => m.local.get(fx, f32),
    });
  const channels = ctx.simd
    ? [forLoop(ctx, c, k(0), () => k(C), 4, channelBlock(4)), forLoop(ctx, c, get(c), () => k(C), 1, channelBlock(1))]
    : [forLoop(ctx, c, k(0), () => k(C), 1, channelBlock(1))];
  const load = (addr: number, index: number, scale: number, plus: number) => m.i32.load(plus, 4, m.i32.add(k(addr), m.i32.mul(get(index), k(scale))));
  return m.block(null, [
    set(pixel, k(0)),
    forLoop(ctx, n, k(0), images, 1, [
      set(image, m.i32.mul(get(n), k(g.h * g.w * C * 4))),
      forLoop(ctx, oy, k(0), () => k(g.oh), 1, [
        set(top, load(rowOff, oy, 8, 0)),
        set(bottom, load(rowOff, oy, 8, 4)),
        m.local.set(fy, m.f32.load(0, 4, m.i32.add(k(rowFrac), m.i32.mul(get(oy), k(4))))),
        forLoop(ctx, ox, k(0), () => k(g.ow), 1, [
          set(left, load(colOff, ox, 8, 0)),
          set(right, load(colOff, ox, 8, 4)),
          m.local.set(fx, m.f32.load(0, 4, m.i32.add(k(colFrac), m.i32.mul(get(ox), k(4))))),
          ...channels,
          set(pixel, m.i32.add(get(pixel), k(C * 4))),
        ]),
      ]),
    ]),
  ]);
}

/** Images in this call: the batch rows, or the value's fixed first axis. */
export const imagesOf = (ctx: KernelContext, batch: number | null | undefined) => (batch === null || batch === undefined ? () => ctx.rows() : () => ctx.i32(batch));
