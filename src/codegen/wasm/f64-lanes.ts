/**
 * Four f32 lanes computed as two f64x2 halves: what kernels use to keep the scalar code's f64
 * arithmetic (and so its exact results) while working on four elements at a time.
 */
import type binaryen from 'binaryen';

type Expr = binaryen.ExpressionRef;

/** Lanes 0–1 and 2–3 of an f32x4 (`v` read twice), each widened to f64x2. */
export function promoteHalves(m: binaryen.Module, v: () => Expr): [Expr, Expr] {
  const high = m.i8x16.shuffle(v(), v(), [8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7]);
  return [m.f64x2.promote_low_f32x4(v()), m.f64x2.promote_low_f32x4(high)];
}

/** Two f64x2 halves rounded to f32 and joined into one f32x4 (lanes 0–1 from `low`). */
export function demoteHalves(m: binaryen.Module, low: Expr, high: Expr): Expr {
  return m.i8x16.shuffle(m.f32x4.demote_f64x2_zero(low), m.f32x4.demote_f64x2_zero(high), [0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]);
}
