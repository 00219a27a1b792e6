import binaryen from 'binaryen';
import { NncError } from '../../../errors.js';
import type { Node } from '../../../ir/graph.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitCopy } from './copy.js';
import type { WasmKernel } from './kernel.js';

type Expr = binaryen.ExpressionRef;

/** An extent or stride in elements: `fixed`, times the call's rows where the batch axis is part of it. */
interface Count {
  readonly fixed: number;
  readonly batched: boolean;
}

/** One loop of the copy: runs of operand axes that stay adjacent in the result move as one axis. */
interface Run {
  readonly extent: Count;
  /** Operand elements between consecutive indices of this run. */
  readonly stride: Count;
}

/**
 * The transposition as loops over the result in order, each with its stride in the operand.
 * Axes of extent 1 are dropped and operand axes that stay adjacent and in order in the result are
 * merged (NCHW -> NHWC is [N, C, H·W] -> perm [0, 2, 1]), so the innermost loop is as long as it
 * can be.
 */
export function transposeRuns(shape: readonly (number | null)[], perm: readonly number[]): Run[] {
  const count = (axes: number[]): Count => ({ fixed: axes.reduce((p, a) => p * (shape[a] ?? 1), 1), batched: axes.some((a) => shape[a] === null) });
  const kept = perm.filter((a) => shape[a] !== 1);
  const groups: number[][] = [];
  for (const a of kept) {
    const last = groups[groups.length - 1];
    if (last && last[last.length - 1] === a - 1 - skippedOnes(shape, a)) last.push(a);
    else groups.push([a]);
  }
  // An operand axis's stride is the product of the extents of the operand axes after it.
  return groups.map((g) => ({ extent: count(g), stride: count(shape.map((_, a) => a).filter((a) => a > g[g.length - 1]!)) }));
}

/** How many extent-1 axes sit right before operand axis `a` (they do not break a run). */
function skippedOnes(shape: readonly (number | null)[], a: number): number {
  let n = 0;
  while (a - 1 - n >= 0 && shape[a - 1 - n] === 1) n++;
  return n;
}

/**
 * A strided copy: the result is written in order, the operand read through each run's stride.
 * An innermost run that is contiguous in the operand is one block copy (v128 with SIMD); otherwise
 * the innermost loop moves one element at a time. The batch axis may sit anywhere in either shape
 * (its extent is the call's rows).
 */
export const transposeKernel: WasmKernel = {
  emit(ctx, node) {
    const x = node.inputs[0]!;
    if (x.type.shape.filter((d) => d === null).length > 1) throw new NncError('NNC4001', `transpose: more than one unknown axis in [${x.type.shape.map((d) => d ?? '?').join(',')}]`);
    const runs = transposeRuns(x.type.shape, node.attrs.perm as number[]);
    const { m } = ctx;
    const bytes = (c: Count): Expr => (c.batched ? m.i32.mul(ctx.rows(), ctx.i32(c.fixed * 4)) : ctx.i32(c.fixed * 4));
    const elements = (c: Count): Expr => (c.batched ? m.i32.mul(ctx.rows(), ctx.i32(c.fixed)) : ctx.i32(c.fixed));
    const dst = ctx.local(binaryen.i32);
    const getDst = () => m.local.get(dst, binaryen.i32);
    const advance = (l: number, by: Expr) => m.local.set(l, m.i32.add(m.local.get(l, binaryen.i32), by));
    const inner = runs[runs.length - 1];

    const level = (k: number, src: () => Expr): Expr => {
      const run = runs[k]!;
      if (k === runs.length - 1 && run.stride.fixed === 1 && !run.stride.batched)
        return m.block(null, [emitCopy(ctx, getDst, src, () => bytes(run.extent)), advance(dst, bytes(run.extent))]);
      const [i, at] = [ctx.local(binaryen.i32), ctx.local(binaryen.i32)];
      const getAt = () => m.local.get(at, binaryen.i32);
      const body =
        k === runs.length - 1
          ? [m.f32.store(0, 4, getDst(), m.f32.load(0, 4, getAt())), advance(dst, ctx.i32(4))]
          : [level(k + 1, getAt)];
      return m.block(null, [m.local.set(at, src()), forLoop(ctx, i, ctx.i32(0), () => elements(run.extent), 1, [...body, advance(at, bytes(run.stride))])]);
    };

    const init = m.local.set(dst, ctx.addr(node));
    // Every axis of extent 1 (or rank 0): one element.
    if (!inner) return m.block(null, [init, m.f32.store(0, 4, getDst(), m.f32.load(0, 4, ctx.addr(x)))]);
    return m.block(null, [init, level(0, () => ctx.addr(x))]);
  },
};
