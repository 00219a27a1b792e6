/**
 * The loop skeleton of the three depthwise kernels: direct loops, no im2col (a depthwise
 * convolution does c·m·kh·kw multiply-adds per pixel and is bound by memory, not arithmetic).
 * Channels last puts a pixel's channels side by side, so each output pixel walks its input
 * channels 4 at a time as f32x4 (with SIMD), then one at a time. Input channel ch feeds output
 * channels ch·m + q, so with a multiplier m > 1 the output, kernel and bias lanes of four
 * channels lie m floats apart: they are gathered and scattered lane by lane (`strided`).
 */
import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import type { DepthwiseGeometry } from '../../../ir/ops/depthwise-geometry.js';
import { forLoop, type KernelContext } from '../context.js';
import { lanes as laneOps, type Lanes } from './pool-windows.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/** Loads and stores of lanes `strideBytes` apart (contiguous when 4 or one lane wide). */
export interface StridedLanes extends Lanes {
  loadStrided(addr: () => Expr, strideBytes: number): Expr;
  storeStrided(addr: () => Expr, strideBytes: number, value: Expr): Expr;
}

function stridedLanes(ctx: KernelContext, width: 1 | 4): StridedLanes {
  const { m } = ctx;
  const base = laneOps(m, width);
  const contiguous = (stride: number) => width === 1 || stride === 4;
  return {
    ...base,
    loadStrided(addr, stride) {
      if (contiguous(stride)) return base.load(addr());
      let v = m.f32x4.splat(m.f32.load(0, 4, addr()));
      for (let l = 1; l < 4; l++) v = m.f32x4.replace_lane(v, l, m.f32.load(l * stride, 4, addr()));
      return v;
    },
    storeStrided(addr, stride, value) {
      if (contiguous(stride)) return base.store(addr(), value);
      const tmp = ctx.local(binaryen.v128);
      const get = () => m.local.get(tmp, binaryen.v128);
      return m.block(null, [m.local.set(tmp, value), ...[0, 1, 2, 3].map((l) => m.f32.store(l * stride, 4, addr(), m.f32x4.extract_lane(get(), l)))]);
    },
  };
}

/** One block of input channels of one output pixel, as a kernel body sees it. */
export interface DepthwiseBlock {
  readonly lanes: StridedLanes;
  /** Bytes between the lanes of an output, kernel or bias block: 4 · m. */
  readonly stride: number;
  /** Byte offset of output channel ch·m + q of this pixel in a value of the output's shape. */
  out(q: () => Expr): Expr;
  /** Byte offset of element [tap, ch, q] in a kernel-shaped value. */
  kernel(tap: () => Expr, q: () => Expr): Expr;
  /** Byte offset of bias element ch·m + q. */
  bias(q: () => Expr): Expr;
  /** A loop over the window's taps inside x (padding taps skipped); `body` gets the tap index i·kw + j and the byte offset of [n, iy, ix, ch] in a value of x's shape. */
  taps(body: (tap: () => Expr, x: () => Expr) => Expr[]): Expr;
  /** A loop over q in 0 .. m. */
  multipliers(body: (q: () => Expr) => Expr[]): Expr;
}

/** Emits `block` for every output pixel (images × oh × ow) and block of its input channels. */
export function emitDepthwiseWalk(ctx: KernelContext, x: Node, g: DepthwiseGeometry, block: (b: DepthwiseBlock) => Expr[]): Expr {
  const { m } = ctx;
  const fresh = () => ctx.local(i32);
  const [n, oy, ox, pixel, image, ch] = [fresh(), fresh(), fresh(), fresh(), fresh(), fresh()];
  const get = (l: number) => () => m.local.get(l, i32);
  const k = (v: number) => ctx.i32(v);
  const add = (...e: Expr[]) => e.reduce((a, b) => m.i32.add(a, b));
  const cm = g.c * g.m;
  const outChannel = (q: () => Expr) => add(m.i32.mul(get(ch)(), k(g.m)), q());
  const channelBlock = (width: 1 | 4): Expr[] =>
    block({
      lanes: stridedLanes(ctx, width),
      stride: 4 * g.m,
      out: (q) => add(get(pixel)(), m.i32.shl(outChannel(q), k(2))),
      kernel: (tap, q) => m.i32.shl(add(m.i32.mul(tap(), k(cm)), outChannel(q)), k(2)),
      bias: (q) => m.i32.shl(outChannel(q), k(2)),
      taps(body) {
        const [i, j, iy, ix] = [fresh(), fresh(), fresh(), fresh()];
        const at = (o: number, stride: number, pad: number, t: number, d: number) => m.i32.add(m.i32.sub(m.i32.mul(get(o)(), k(stride)), k(pad)), m.i32.mul(get(t)(), k(d)));
        const tap = () => add(m.i32.mul(get(i)(), k(g.kw)), get(j)());
        // image + ((iy · w + ix) · c + ch) · 4
        const xAt = () => add(get(image)(), m.i32.shl(add(m.i32.mul(add(m.i32.mul(get(iy)(), k(g.w)), get(ix)()), k(g.c)), get(ch)()), k(2)));
        // An unsigned compare rejects both sides of the padding.
        const inside = (v: number, size: number) => m.i32.lt_u(get(v)(), k(size));
        return forLoop(ctx, i, k(0), () => k(g.kh), 1, [
          m.local.set(iy, at(oy, g.sh, g.padTop, i, g.dh)),
          m.if(
            inside(iy, g.h),
            forLoop(ctx, j, k(0), () => k(g.kw), 1, [m.local.set(ix, at(ox, g.sw, g.padLeft, j, g.dw)), m.if(inside(ix, g.w), m.block(null, body(tap, xAt)))]),
          ),
        ]);
      },
      multipliers(body) {
        const q = fresh();
        return forLoop(ctx, q, k(0), () => k(g.m), 1, body(get(q)));
      },
    });
  const channels = ctx.simd
    ? [forLoop(ctx, ch, k(0), () => k(g.c), 4, channelBlock(4)), forLoop(ctx, ch, get(ch)(), () => k(g.c), 1, channelBlock(1))]
    : [forLoop(ctx, ch, k(0), () => k(g.c), 1, channelBlock(1))];
  const batch = x.type.shape[0];
  const images = batch === null ? () => ctx.rows() : () => k(batch as number);
  return m.block(null, [
    m.local.set(pixel, k(0)),
    forLoop(ctx, n, k(0), images, 1, [
      m.local.set(image, m.i32.mul(get(n)(), k(g.h * g.w * g.c * 4))),
      forLoop(ctx, oy, k(0), () => k(g.oh), 1, [forLoop(ctx, ox, k(0), () => k(g.ow), 1, [...channels, m.local.set(pixel, m.i32.add(get(pixel)(), k(cm * 4)))])]),
    ]),
  ]);
}
