/**
 * conv2d computed directly, for a short window (k = kh·kw·c ≤ DIRECT_K, e.g. a first layer's 3x3
 * taps of one channel). The GEMM form first copies each pixel's k values into the patch matrix
 * (one copy per window row: 3 floats for one channel, which costs more than their arithmetic)
 * and then runs a 9-step k loop per register tile. Here each output pixel splats its k values of
 * x once, then sums each f32x4 of output channels (SIMD over output channels, channels-last) with
 * one multiply-add per tap, the kernel read at fixed addresses (a constant one packed, a
 * training step's where it lies); taps that can fall in the padding are checked, the others are
 * not. SIMD only: the scalar module keeps the GEMM form.
 */
import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import type { ConvGeometry } from '../../../ir/ops/conv2d-geometry.js';
import type { ScalarExpr } from '../../../ir/scalar-expr.js';
import { constantData, forLoop, type KernelContext } from '../context.js';
import { biasAddress, constantB, rowPitch, type Count } from '../gemm.js';
import { emitScalarExpr } from '../scalar-codegen.js';
import { windowWalk } from './conv2d-window-walk.js';

type Expr = binaryen.ExpressionRef;
const { i32, v128 } = binaryen;

/** The longest window the direct form takes: beyond it the GEMM's patch copy is cheap next to the arithmetic. */
export const DIRECT_K = 32;

/**
 * The cost rule: SIMD and a short window, with a constant kernel (rows padded at compile time)
 * or a computed one (a training step's weight) whose rows are whole vectors, read where it is.
 * The CNN example's training step, trainers alternated in one process: 4.81 → 4.61 ms (im2col
 * and a 9-step GEMM before).
 */
export function fitsDirect(ctx: KernelContext, w: Node, g: ConvGeometry): boolean {
  const f = w.type.shape[3] as number;
  return ctx.simd && g.k <= DIRECT_K && (constantB(w) !== undefined || f % 4 === 0);
}

/** Where one call reads and writes: `images` images of x from `x`, their outputs from `y` (rows of f), the residual likewise. */
export interface DirectTarget {
  readonly x: () => Expr;
  readonly y: () => Expr;
  readonly images: Count;
  readonly residual?: () => Expr;
}

/** The kernel [k, f] with each row padded to whole f32x4 vectors. */
function padRows(w: Float32Array, k: number, f: number, fPad: number): Float32Array {
  const out = new Float32Array(k * fPad);
  for (let t = 0; t < k; t++) out.set(w.subarray(t * f, t * f + f), t * fPad);
  return out;
}

/** Where the kernel's rows are read, and floats from one row to the next: constant rows padded to `fPad` floats, or a computed kernel in place. */
function kernelRows(ctx: KernelContext, w: Node, k: number, f: number, fPad: number): { readonly row: number; readonly at: () => Expr } {
  if (!constantB(w)) return { row: rowPitch(ctx, w, f), at: () => ctx.addr(w) };
  const packed = ctx.constant(`direct:${w.id}:${fPad}`, () => padRows(constantData(ctx.graph, w), k, f, fPad));
  return { row: fPad, at: () => ctx.i32(packed) };
}

export function emitDirectConv(ctx: KernelContext, w: Node, bias: Node | undefined, g: ConvGeometry, f: number, epilogue: ScalarExpr | undefined, t: DirectTarget): Expr {
  const { m } = ctx;
  const c = (v: number) => ctx.i32(v);
  const get = (l: number) => m.local.get(l, i32);
  const fPad = Math.ceil(f / 4) * 4;
  const { row, at } = kernelRows(ctx, w, g.k, f, fPad);
  const biasAt = biasAddress(ctx, bias, f);
  const [img, xi, yp, rp] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  // x's value at each tap and channel of the current pixel, splat (zero in the padding).
  const xs = Array.from({ length: g.k }, () => ctx.local(v128));
  const sum = ctx.local(v128);
  const walk = windowWalk(ctx, g);

  /**
   * One output pixel: x's k values splat into locals first, then each output vector summed over
   * the taps and stored before the next one starts. V8 keeps a block's loads in program order
   * but places pure arithmetic next to its use: with every vector's store after all the sums (the
   * form each tap updating 8 accumulators had), a pixel's 72 kernel loads (k = 9, 32 channels)
   * all came first, and 63 of them went through the stack. One vector at a time keeps the
   * splats, one sum and one kernel vector live: the first conv of the CNN example, alone at batch
   * 256, 9.0 → 5.9 ms.
   */
  const outputPixel = (): Expr[] => {
    const splat = (tap: number, value: (ch: number) => Expr) => Array.from({ length: g.c }, (_, ch) => m.local.set(xs[tap * g.c + ch]!, value(ch)));
    const body: Expr[] = walk.taps(splat, (tap) => splat(tap, () => m.f32x4.splat(m.f32.const(0))));
    for (let v = 0; v < fPad / 4; v++) {
      const offset = v * 16;
      body.push(m.local.set(sum, m.f32x4.splat(m.f32.const(0))));
      for (let r = 0; r < g.k; r++) {
        const wv = m.v128.load((r * row + v * 4) * 4, 4, at());
        body.push(m.local.set(sum, ctx.maddF32x4(m.local.get(sum, v128), m.local.get(xs[r]!, v128), wv)));
      }
      // The bias after the sum, as the GEMM adds it; the epilogue may read its operand twice.
      if (biasAt) body.push(m.local.set(sum, m.f32x4.add(m.local.get(sum, v128), m.v128.load(offset, 4, biasAt()))));
      let value = epilogue ? emitScalarExpr(ctx, epilogue, 'f32x4', () => m.local.get(sum, v128)) : m.local.get(sum, v128);
      if (t.residual) value = m.f32x4.add(value, m.v128.load(offset, 4, get(rp)));
      const lanes = Math.min(4, f - v * 4);
      if (lanes === 4) body.push(m.v128.store(offset, 4, get(yp), value));
      else {
        // The last vector's padding lanes are not the output's: store the real ones only.
        body.push(m.local.set(sum, value));
        for (let lane = 0; lane < lanes; lane++) body.push(m.v128.store32_lane(offset + lane * 4, 4, lane, get(yp), m.local.get(sum, v128)));
      }
    }
    return body;
  };

  const step = (local: number, bytes: number) => m.local.set(local, m.i32.add(get(local), c(bytes)));
  const pixel = [...outputPixel(), step(yp, f * 4), ...(t.residual ? [step(rp, f * 4)] : [])];
  return m.block(null, [
    m.local.set(yp, t.y()),
    ...(t.residual ? [m.local.set(rp, t.residual())] : []),
    forLoop(ctx, img, c(0), typeof t.images === 'number' ? () => c(t.images as number) : t.images, 1, [
      m.local.set(xi, m.i32.add(t.x(), m.i32.mul(get(img), c(g.h * g.w * g.c * 4)))),
      walk.pixels(() => get(xi), pixel),
    ]),
  ]);
}
