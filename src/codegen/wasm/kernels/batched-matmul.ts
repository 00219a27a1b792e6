import binaryen from 'binaryen';
import { NncError } from '../../../errors.js';
import type { Node } from '../../../ir/graph.js';
import type { Dim, Shape } from '../../../ir/types.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitGemm, type Count } from '../gemm.js';

type Expr = binaryen.ExpressionRef;
const { i32 } = binaryen;

/**
 * numpy matmul beyond rows times one matrix: stacks of matrices whose leading axes broadcast,
 * and 1-D operands (a 1-D a is one row, a 1-D b one column). One loop per leading axis moves
 * each operand's cursor (by 0 where it broadcasts); each matrix runs the GEMM, reading both
 * operands in place. Any stack axis may be the batch axis (this call's rows); inside a matrix
 * only the rows of a may be.
 */
export function emitBatchedMatmul(ctx: KernelContext, a: Node, b: Node, out: Node): Expr {
  const { m } = ctx;
  const aShape = a.type.shape;
  const bShape = b.type.shape;
  const a2: Shape = aShape.length === 1 ? [1, aShape[0]!] : aShape;
  const b2: Shape = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
  const [M, K] = a2.slice(-2) as [Dim, Dim];
  const N = b2[b2.length - 1]!;
  if (K === null || N === null)
    throw new NncError('NNC4001', `matmul ${a.type.dtype}[${aShape.join(',')}] x [${bShape.join(',')}] with the batch axis inside a matrix's columns`, {
      hint: 'The wasm backend runs stacked matmuls whose batch axis is a stack axis or the rows of a.',
    });
  const aStack = a2.slice(0, -2);
  const bStack = b2.slice(0, -2);
  const rank = Math.max(aStack.length, bStack.length);
  const outStack = out.type.shape.slice(0, rank);

  /** The product of dims (the batch axis is this call's rows), times `scale`. */
  const product = (dims: readonly Dim[], scale = 1) => (): Expr => {
    let e = ctx.i32(dims.reduce<number>((p, d) => p * (d ?? 1), scale));
    for (const d of dims) if (d === null) e = m.i32.mul(e, ctx.rows());
    return e;
  };
  /** Byte stride of an operand along output stack axis d (0 where it broadcasts). */
  const stride = (stack: Shape, matrix: readonly Dim[], d: number) => {
    const j = d - (rank - stack.length);
    if (j < 0 || (stack[j] === 1 && outStack[d] !== 1)) return () => ctx.i32(0);
    return product([...stack.slice(j + 1), ...matrix], 4);
  };
  const get = (l: number) => () => m.local.get(l, i32);
  const add = (l: number, by: () => Expr) => m.local.set(l, m.i32.add(m.local.get(l, i32), by()));
  const rows: Count = M === null ? product([M]) : M;

  const matrix = (pa: number, pb: number, pc: number): Expr =>
    emitGemm(ctx, { m: rows, k: K, n: N, a: { addr: get(pa), rowStride: K, colStride: 1 }, b: { addr: get(pb), rowStride: N, colStride: 1 }, c: { addr: get(pc), rowStride: N, colStride: 1 } });

  /** One loop per leading (stack) axis, each operand's cursor advancing by its stride. */
  const level = (d: number, pa: number, pb: number, pc: number): Expr => {
    if (d === rank) return matrix(pa, pb, pc);
    const [s, qa, qb, qc] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
    const steps = [stride(aStack, [M, K], d), stride(bStack, [K, N], d), product([...outStack.slice(d + 1), M, N], 4)];
    return m.block(null, [
      m.local.set(qa, get(pa)()),
      m.local.set(qb, get(pb)()),
      m.local.set(qc, get(pc)()),
      forLoop(ctx, s, ctx.i32(0), product([outStack[d]!]), 1, [level(d + 1, qa, qb, qc), add(qa, steps[0]!), add(qb, steps[1]!), add(qc, steps[2]!)]),
    ]);
  };

  const [pa, pb, pc] = [ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  return m.block(null, [m.local.set(pa, ctx.addr(a)), m.local.set(pb, ctx.addr(b)), m.local.set(pc, ctx.addr(out)), level(0, pa, pb, pc)]);
}
