/**
 * The walk over a conv's output pixels and their windows that the direct kernels share (the
 * forward conv and its filter gradient, for short windows): each window's corner (tap 0, 0) moves
 * one stride per pixel, and each tap reads x at a fixed offset from it, so a tap costs no address
 * arithmetic. With padding the corner may lie before x, so taps add their offset in i32
 * arithmetic (a load's constant offset cannot reach back); without, the load carries it. Taps
 * that can fall in the padding are checked, the others are not.
 */
import binaryen from 'binaryen';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import { forLoop, type KernelContext } from '../context.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Whether window offset `tap` (0..taps-1) can land outside [0, size) for some output position. */
const mayLeave = (tap: number, out: number, stride: number, dilation: number, pad: number, size: number) =>
  tap * dilation - pad < 0 || (out - 1) * stride + tap * dilation - pad >= size;

export interface WindowWalk {
  /**
   * One pixel's window: `body(tap, read)` for each tap (i · kw + j) inside x, where `read(ch)` is
   * x's channel ch at that tap splat over four lanes, and `outside(tap)` (if given) for each tap
   * in the padding.
   */
  taps(body: (tap: number, read: (ch: number) => Expr) => Expr[], outside?: (tap: number) => Expr[]): Expr[];
  /** `pixel` for every output pixel of the image at `image`, row by row; the walk moves the window after each. */
  pixels(image: () => Expr, pixel: Expr[]): Expr;
}

export function windowWalk(ctx: KernelContext, g: ConvGeometry): WindowWalk {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const [oy, ox, iy0, ix0, corner] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const padded = g.padTop > 0 || g.padLeft > 0;
  const splat = (offset: number) => (padded ? m.v128.load32_splat(0, 4, m.i32.add(get(corner), c(offset))) : m.v128.load32_splat(offset, 4, get(corner)));
  return {
    taps(body, outside) {
      const rows: Expr[] = [];
      /** `then` where `inside`, else the padding's `otherwise` (nothing without `outside`). */
      const checked = (inside: Expr, then: Expr[], otherwise: Expr[]) =>
        m.if(inside, m.block(null, then), outside && otherwise.length ? m.block(null, otherwise) : undefined);
      for (let i = 0; i < g.kh; i++) {
        const row: Expr[] = [];
        const taps = Array.from({ length: g.kw }, (_, j) => i * g.kw + j);
        for (let j = 0; j < g.kw; j++) {
          const tap = body(i * g.kw + j, (ch) => splat(((i * g.dh * g.w + j * g.dw) * g.c + ch) * 4));
          // Unsigned: a negative coordinate is out too.
          const inside = () => m.i32.lt_u(m.i32.add(get(ix0), c(j * g.dw)), c(g.w));
          row.push(mayLeave(j, g.ow, g.sw, g.dw, g.padLeft, g.w) ? checked(inside(), tap, outside?.(i * g.kw + j) ?? []) : m.block(null, tap));
        }
        const inside = () => m.i32.lt_u(m.i32.add(get(iy0), c(i * g.dh)), c(g.h));
        rows.push(mayLeave(i, g.oh, g.sh, g.dh, g.padTop, g.h) ? checked(inside(), row, taps.flatMap((tap) => outside?.(tap) ?? [])) : m.block(null, row));
      }
      return rows;
    },
    pixels(image, pixel) {
      return forLoop(ctx, oy, c(0), () => c(g.oh), 1, [
        m.local.set(iy0, m.i32.sub(m.i32.mul(get(oy), c(g.sh)), c(g.padTop))),
        m.local.set(ix0, c(-g.padLeft)),
        m.local.set(corner, m.i32.add(image(), m.i32.mul(m.i32.add(m.i32.mul(get(iy0), c(g.w)), get(ix0)), c(g.c * 4)))),
        forLoop(ctx, ox, c(0), () => c(g.ow), 1, [...pixel, m.local.set(corner, m.i32.add(get(corner), c(g.sw * g.c * 4))), m.local.set(ix0, m.i32.add(get(ix0), c(g.sw)))]),
      ]);
    },
  };
}
