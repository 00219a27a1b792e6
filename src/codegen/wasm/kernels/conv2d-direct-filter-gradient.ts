/**
 * The filter gradient of a conv with a short window (k = kh·kw·c ≤ DIRECT_GRAD_K: a first
 * layer's 3x3 taps of one channel) computed directly: dw[tap, ci, fo] = Σ over images and output
 * pixels of x[the pixel's tap, ci] · dy[pixel, fo]. Eight (or four) output channels at a time,
 * a few of dw's k rows stay in f32x4 accumulators while one image's pixels go by: per pixel one
 * load of dy per vector and, per tap and channel, one splat of x and a multiply-add per vector
 * (the walk: conv2d-window-walk.ts); the next rows take another pass over the pixels. The
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

/** The longest window the direct form takes (a first layer's): beyond it, the GEMM's k loop pays for the patch copy. */
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

/**
 * Output channels per pass (8 when f allows: each splat of x then feeds two multiply-adds) and
 * the rows of dw a pass keeps in accumulators: with the splats and dy's vectors, within x64's 16
 * vector registers. V8 loads a pixel's splats all before its arithmetic, so they count too: all
 * k = 9 rows at once (9 accumulators, 9 splats, dy) had two accumulators spilled per pixel. The
 * CNN example's first filter gradient, alone at batch 32: 638 → 312 µs.
 */
function passShape(f: number): { readonly vectors: 1 | 2; readonly rows: number } {
  return f % 8 === 0 ? { vectors: 2, rows: 4 } : { vectors: 1, rows: 7 };
}

export function emitDirectFilterGradient(ctx: KernelContext, g: ConvGeometry, f: number, t: DirectFilterGradientTarget): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const fresh = () => ctx.local(i32);
  const [img, block, xImage, dyAt] = [fresh(), fresh(), fresh(), fresh()];
  const { vectors, rows } = passShape(f);
  const acc = Array.from({ length: rows * vectors }, () => ctx.local(v128));
  const dyv = Array.from({ length: vectors }, () => ctx.local(v128));
  const xs = ctx.local(v128);
  /** Row r of dw, vector v of the current block of output channels. */
  const dwAt = (r: number, v: number) => m.i32.add(t.dw(), m.i32.add(get(block), c((r * f + v * 4) * 4)));
  const walk = windowWalk(ctx, g);

  /** One image's pixels added into dw's rows [first, first + count) at the current block, through the accumulators. */
  const pass = (first: number, count: number): Expr[] => {
    const held = (r: number, v: number) => acc[(r - first) * vectors + v]!;
    const each = (fn: (r: number, v: number) => Expr) => Array.from({ length: count * vectors }, (_, i) => fn(first + Math.floor(i / vectors), i % vectors));
    const pixel: Expr[] = [
      ...dyv.map((d, v) => m.local.set(d, m.v128.load(v * 16, 4, m.i32.add(get(dyAt), get(block))))),
      ...walk.taps((tap, read) =>
        Array.from({ length: g.c }, (_, ch) => tap * g.c + ch)
          .filter((r) => r >= first && r < first + count)
          .flatMap((r) => [
            m.local.set(xs, read(r - tap * g.c)),
            ...dyv.map((d, v) => m.local.set(held(r, v), ctx.maddF32x4(m.local.get(held(r, v), v128), m.local.get(xs, v128), m.local.get(d, v128)))),
          ]),
      ),
      m.local.set(dyAt, m.i32.add(get(dyAt), c(f * 4))),
    ];
    return [
      ...each((r, v) => m.local.set(held(r, v), m.v128.load(0, 4, dwAt(r, v)))),
      m.local.set(dyAt, m.i32.add(t.dy(), m.i32.mul(get(img), c(g.oh * g.ow * f * 4)))),
      walk.pixels(() => get(xImage), pixel),
      ...each((r, v) => m.v128.store(0, 4, dwAt(r, v), m.local.get(held(r, v), v128))),
    ];
  };
  const passes: Expr[] = [];
  for (let first = 0; first < g.k; first += rows) passes.push(...pass(first, Math.min(rows, g.k - first)));
  const count = t.images;
  return m.block(null, [
    emitZero(ctx, t.dw, g.k * f * 4),
    forLoop(ctx, img, c(0), typeof count === 'number' ? () => c(count) : count, 1, [
      m.local.set(xImage, m.i32.add(t.x(), m.i32.mul(get(img), c(g.h * g.w * g.c * 4)))),
      forLoop(ctx, block, c(0), () => c(f * 4), vectors * 16, passes),
    ]),
  ]);
}
