import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { opRegistry } from '../../../ir/ops/index.js';
import { scalarDtype, type ScalarExpr } from '../../../ir/scalar-expr.js';
import { bytesOf, type DType, type Shape } from '../../../ir/types.js';
import type { RowBlocks } from '../../../passes/memory-plan-types.js';
import { forLoop, type KernelContext } from '../context.js';
import { emitIntVector, emitScalarExpr, emitTypedScalar, isIntVectorizable, isVectorizable, usesTypedFunctions, type Flavor } from '../scalar-codegen.js';
import type { WasmKernel } from './kernel.js';

type Expr = binaryen.ExpressionRef;

export interface Operand {
  readonly addr: () => Expr;
  readonly shape: Shape;
  /** f32 when absent. */
  readonly dtype?: DType;
  /** Set when the operand is a split piece read in place (KernelContext.blocks): not contiguous. */
  readonly blocks?: RowBlocks;
}

/** One loop level after collapsing: `size` elements (times the batch rows if `batch`). */
interface Dim {
  size: number;
  batch: boolean;
  /** Element stride per operand, then the output's last. */
  strides: number[];
}

/**
 * Lays the operands' numpy broadcasting over the output shape as loops: every operand gets a
 * stride per output axis (0 where it broadcasts), size-1 axes drop out and neighbouring axes that
 * every operand walks contiguously merge, so `x + bias` becomes rows x n loops and `x * y` one loop.
 * An operand stored as blocks steps a block's pitch past the axes its block covers.
 */
function loopDims(operands: readonly Operand[], out: Shape): Dim[] {
  const rank = out.length;
  const all = [...operands, { shape: out } as Operand];
  const strides = all.map(({ shape, blocks, dtype }) => {
    const s = new Array<number>(rank).fill(0);
    const size = bytesOf(dtype ?? 'f32');
    const elements = blocks && blocks.bytes / size;
    let acc = 1;
    for (let i = rank - 1, j = shape.length - 1; j >= 0; i--, j--) {
      const d = shape[j];
      s[i] = d === 1 && out[i] !== 1 ? 0 : acc;
      acc *= d ?? 1;
      if (acc === elements) acc = blocks!.pitch / size;
    }
    return s;
  });
  const dims: Dim[] = [];
  for (let i = rank - 1; i >= 0; i--) {
    const d = out[i];
    if (d === 1) continue;
    const dim: Dim = { size: d ?? 1, batch: d === null, strides: strides.map((s) => s[i]!) };
    const inner = dims[0];
    if (inner && !inner.batch && dim.strides.every((s, k) => s === inner.strides[k]! * inner.size)) {
      inner.size *= dim.size;
      inner.batch = dim.batch;
    } else dims.unshift(dim);
  }
  return dims.length ? dims : [{ size: 1, batch: false, strides: all.map(() => 1) }];
}

/** Emits `out = expr(operands...)` with broadcasting, vectorized where the math allows it. */
export function emitElementwise(ctx: KernelContext, expr: ScalarExpr, operands: readonly Operand[], out: Operand): Expr {
  const { m } = ctx;
  const dims = loopDims(operands, out.shape);
  const all = [...operands, out];
  const dtypes = all.map((o) => o.dtype ?? 'f32');
  const bytes = dtypes.map(bytesOf);
  const allF32 = dtypes.every((d) => d === 'f32');
  const allI32 = dtypes.every((d) => d === 'i32');
  const count = (d: Dim) => (d.batch ? m.i32.mul(ctx.rows(), ctx.i32(d.size)) : ctx.i32(d.size));
  const level = (depth: number, bases: (() => Expr)[]): Expr => {
    const dim = dims[depth]!;
    const cursors = bases.map(() => ctx.local(binaryen.i32));
    const init = cursors.map((c, k) => m.local.set(c, bases[k]!()));
    const get = (c: number) => () => m.local.get(c, binaryen.i32);
    const advance = (lanes: number) =>
      cursors.map((c, k) => m.local.set(c, m.i32.add(m.local.get(c, binaryen.i32), ctx.i32(dim.strides[k]! * bytes[k]! * lanes))));
    const i = ctx.local(binaryen.i32);
    if (depth < dims.length - 1) {
      return m.block(null, [...init, forLoop(ctx, i, ctx.i32(0), () => count(dim), 1, [level(depth + 1, cursors.map(get)), ...advance(1)])]);
    }
    // Vectors need every operand contiguous or broadcast along the loop (a split piece of one
    // column steps a pitch per element).
    const unitStrides = dim.strides.every((s) => s === 0 || s === 1);
    const vector = ctx.simd && unitStrides && (allF32 ? isVectorizable(expr, true) : allI32 && isIntVectorizable(expr));
    const scalarFlavor: Flavor = isVectorizable(expr, ctx.simd) ? 'f32' : 'f64';
    // f32 operands whose expression compares or converts (a fused `where(gt(...))`) take the typed code too.
    const body = (flavor: Flavor): Expr => (allF32 && !usesTypedFunctions(expr) ? floatBody(flavor) : typedBody(flavor === 'f32x4'));
    // Operands and result of other dtypes: i32x4 for i32 arithmetic, else scalar code per element
    // (i32 loads, bool as one byte).
    const typedBody = (vec: boolean): Expr => {
      const ptr = (k: number) => m.local.get(cursors[k]!, binaryen.i32);
      const dst = ptr(all.length - 1);
      if (vec) {
        const load = (k: number) => (dim.strides[k] === 0 ? m.v128.load32_splat(0, 4, ptr(k)) : m.v128.load(0, 4, ptr(k)));
        return m.v128.store(0, 4, dst, emitIntVector(ctx, expr, load));
      }
      const float = scalarFlavor === 'f64' ? 'f64' : 'f32';
      const load = (k: number) => {
        if (dtypes[k] === 'bool') return m.i32.load8_u(0, 1, ptr(k));
        if (dtypes[k] === 'i32') return m.i32.load(0, 4, ptr(k));
        return float === 'f64' ? m.f64.promote(m.f32.load(0, 4, ptr(k))) : m.f32.load(0, 4, ptr(k));
      };
      const value = emitTypedScalar(ctx, expr, float, dtypes.slice(0, -1), load);
      const outDtype = dtypes[all.length - 1]!;
      const dtype = scalarDtype(expr, dtypes.slice(0, -1));
      if (dtype !== outDtype) throw new Error(`elementwise: expression gives ${dtype}, the node is ${outDtype}`);
      if (outDtype === 'bool') return m.i32.store8(0, 1, dst, value);
      if (outDtype === 'i32') return m.i32.store(0, 4, dst, value);
      return m.f32.store(0, 4, dst, float === 'f64' ? m.f32.demote(value) : value);
    };
    const floatBody = (flavor: Flavor): Expr => {
      const load = (k: number) => {
        const ptr = m.local.get(cursors[k]!, binaryen.i32);
        if (flavor === 'f32x4') return dim.strides[k] === 0 ? m.v128.load32_splat(0, 4, ptr) : m.v128.load(0, 4, ptr);
        const v = m.f32.load(0, 4, ptr);
        return flavor === 'f64' ? m.f64.promote(v) : v;
      };
      const value = emitScalarExpr(ctx, expr, flavor, load);
      const dst = m.local.get(cursors[all.length - 1]!, binaryen.i32);
      if (flavor === 'f32x4') return m.v128.store(0, 4, dst, value);
      return m.f32.store(0, 4, dst, flavor === 'f64' ? m.f32.demote(value) : value);
    };
    const tail = ctx.local(binaryen.i32);
    const loops: Expr[] = [...init];
    if (vector) {
      loops.push(forLoop(ctx, i, ctx.i32(0), () => count(dim), 4, [body('f32x4'), ...advance(4)]));
      loops.push(forLoop(ctx, tail, m.local.get(i, binaryen.i32), () => count(dim), 1, [body(scalarFlavor), ...advance(1)]));
    } else {
      loops.push(forLoop(ctx, tail, ctx.i32(0), () => count(dim), 1, [body(scalarFlavor), ...advance(1)]));
    }
    return m.block(null, loops);
  };
  return level(
    0,
    all.map((o) => o.addr),
  );
}

/** The scalar math of an elementwise node: its op's declared expression (fused or single op). */
export function scalarExprOf(node: Node): ScalarExpr {
  const def = opRegistry.get(node.op);
  if (!def?.scalar) throw new Error(`'${node.op}' is not an elementwise op`);
  return def.scalar(node.attrs);
}

/**
 * Every op that declares `scalar` math (add, relu, gelu, fused `elementwise`, ...) uses this
 * kernel. It reads any operand stored as blocks (a split piece in place) with the blocks' pitch.
 */
export const elementwiseKernel: WasmKernel = {
  readsBlocks: () => true,
  emit: (ctx, node) =>
    emitElementwise(
      ctx,
      scalarExprOf(node),
      node.inputs.map((x) => {
        const blocks = ctx.blocks(x);
        return { addr: () => ctx.addr(x), shape: x.type.shape, dtype: x.type.dtype, ...(blocks ? { blocks } : {}) };
      }),
      { addr: () => ctx.addr(node), shape: node.type.shape, dtype: node.type.dtype },
    ),
};
