import binaryen from 'binaryen';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import type { Shape } from '../../../ir/types.js';
import { forLoop, type KernelContext } from '../context.js';
import type { WasmKernel } from './kernel.js';

type Expr = binaryen.ExpressionRef;
const { i32, f64 } = binaryen;

/**
 * Softmax along `axis` of `shape`, from `src` to `dst` (which may be the same buffer): per line,
 * the max, then e = exp(x - max) stored and summed in f64, then e / sum, as the interpreter does.
 * With `log`: x - (max + log(sum)), the log-softmax. Along the batch axis a line is as long as the
 * call's rows: such a graph is not row-local, so its bundle runs a whole batch in one call.
 */
export function emitSoftmax(ctx: KernelContext, src: () => Expr, dst: () => Expr, shape: Shape, axisAttr: number, log = false): Expr {
  const { m } = ctx;
  const axis = normalizeAxis(axisAttr, shape.length);
  const alongBatch = shape[axis] === null;
  const nStatic = shape[axis] ?? 1;
  const n = () => (alongBatch ? ctx.rows() : ctx.i32(nStatic));
  const inner = shape.slice(axis + 1).reduce<number>((p, d) => p * d!, 1);
  const outerStatic = shape.slice(0, axis).reduce<number>((p, d) => p * (d ?? 1), 1);
  const batched = shape.slice(0, axis).includes(null);
  const lines = () => m.i32.mul(batched ? ctx.rows() : ctx.i32(1), ctx.i32(outerStatic * inner));
  const [line, j, xp, yp] = [ctx.local(i32), ctx.local(i32), ctx.local(i32), ctx.local(i32)];
  const [max, sum, e] = [ctx.local(f64), ctx.local(f64), ctx.local(f64)];
  const get = (l: number, t = i32) => m.local.get(l, t);
  // Byte offset of the line's first element: (line / inner) * n * inner + line % inner, in floats.
  const lineOffset = () =>
    inner === 1
      ? m.i32.mul(get(line), m.i32.mul(n(), ctx.i32(4)))
      : m.i32.mul(
          m.i32.add(m.i32.mul(m.i32.div_u(get(line), ctx.i32(inner)), m.i32.mul(n(), ctx.i32(inner))), m.i32.rem_u(get(line), ctx.i32(inner))),
          ctx.i32(4),
        );
  const x = (ptr: number) => m.f64.promote(m.f32.load(0, 4, m.i32.add(get(ptr), m.i32.mul(get(j), ctx.i32(inner * 4)))));
  const store = (value: Expr) => m.f32.store(0, 4, m.i32.add(get(yp), m.i32.mul(get(j), ctx.i32(inner * 4))), m.f32.demote(value));
  const overLine = (body: Expr[]) => forLoop(ctx, j, ctx.i32(0), n, 1, body);
  const exp = ctx.math('exp');
  return forLoop(ctx, line, ctx.i32(0), lines, 1, [
    m.local.set(xp, m.i32.add(src(), lineOffset())),
    m.local.set(yp, m.i32.add(dst(), lineOffset())),
    m.local.set(max, m.f64.const(-Infinity)),
    overLine([m.local.set(max, m.f64.max(get(max, f64), x(xp)))]),
    m.local.set(sum, m.f64.const(0)),
    ...(log
      ? [
          overLine([m.local.set(sum, m.f64.add(get(sum, f64), m.call(exp, [m.f64.sub(x(xp), get(max, f64))], f64)))]),
          m.local.set(max, m.f64.add(get(max, f64), m.call(ctx.math('log'), [get(sum, f64)], f64))),
          overLine([store(m.f64.sub(x(xp), get(max, f64)))]),
        ]
      : [
          overLine([
            m.local.set(e, m.call(exp, [m.f64.sub(x(xp), get(max, f64))], f64)),
            m.local.set(sum, m.f64.add(get(sum, f64), get(e, f64))),
            store(get(e, f64)),
          ]),
          overLine([store(m.f64.div(x(yp), get(sum, f64)))]),
        ]),
  ]);
}

export const softmaxKernel: WasmKernel = {
  emit: (ctx, node) => emitSoftmax(ctx, () => ctx.addr(node.inputs[0]!), () => ctx.addr(node), node.type.shape, node.attrs.axis as number),
};
