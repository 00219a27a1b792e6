import binaryen from 'binaryen';
import type { KernelContext } from './context.js';

type Expr = binaryen.ExpressionRef;

/** Byte indices of i8x16.shuffle picking 32-bit lanes (0-3 of the left operand, 4-7 of the right). */
const lanes = (...picks: number[]): number[] => picks.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);

/**
 * The 4×4 f32 transpose in registers that the kernels moving blocks across axes share: four v128
 * locals holding rows in, by two rounds of shuffles. `interleave` sets the first round's locals;
 * `column(c)` is then column c of the block as one vector (a fresh expression per call).
 */
export function transpose4x4(ctx: KernelContext, rows: readonly number[]): { readonly interleave: Expr[]; readonly column: (c: number) => Expr } {
  const { m } = ctx;
  const v = (l: number) => m.local.get(l, binaryen.v128);
  const t = [0, 1, 2, 3].map(() => ctx.local(binaryen.v128));
  const [r0, r1, r2, r3] = rows as [number, number, number, number];
  const interleave = [
    m.local.set(t[0]!, m.i8x16.shuffle(v(r0), v(r1), lanes(0, 4, 1, 5))),
    m.local.set(t[1]!, m.i8x16.shuffle(v(r0), v(r1), lanes(2, 6, 3, 7))),
    m.local.set(t[2]!, m.i8x16.shuffle(v(r2), v(r3), lanes(0, 4, 1, 5))),
    m.local.set(t[3]!, m.i8x16.shuffle(v(r2), v(r3), lanes(2, 6, 3, 7))),
  ];
  // Columns 0 and 1 are the low and high halves of t0 with t2; columns 2 and 3 of t1 with t3.
  const column = (c: number) => {
    const [left, right] = c < 2 ? [t[0]!, t[2]!] : [t[1]!, t[3]!];
    return m.i8x16.shuffle(v(left), v(right), c % 2 === 0 ? lanes(0, 1, 4, 5) : lanes(2, 3, 6, 7));
  };
  return { interleave, column };
}
