import binaryen from 'binaryen';
import { normalizeAxis } from '../../../ir/ops/softmax.js';
import type { Shape } from '../../../ir/types.js';
import type { KernelContext } from '../context.js';
import { emitReduce, loadF64, pointer, storeF64 } from '../reduce.js';
import type { WasmKernel } from './kernel.js';

type Expr = binaryen.ExpressionRef;
const { f64 } = binaryen;

/**
 * Softmax along `axis` of `shape`, from `src` to `dst` (which may be the same buffer): per line,
 * the max, then e = exp(x - max) stored and summed in f64, then e / sum, as the interpreter does.
 * With `log`: x - (max + log(sum)), the log-softmax.
 */
export function emitSoftmax(ctx: KernelContext, src: () => Expr, dst: () => Expr, shape: Shape, axisAttr: number, log = false): Expr {
  const { m } = ctx;
  const [max, sum, e] = [ctx.local(f64), ctx.local(f64), ctx.local(f64)];
  const get = (l: number) => m.local.get(l, f64);
  const exp = ctx.math('exp');
  return emitReduce(ctx, shape, [normalizeAxis(axisAttr, shape.length)], (line) => {
    const xp = pointer(ctx, m.i32.add(src(), line.start()));
    const yp = pointer(ctx, m.i32.add(dst(), line.start()));
    const x = (at: () => Expr) => loadF64(ctx, xp.get, at);
    const shifted = (at: () => Expr) => m.call(exp, [m.f64.sub(x(at), get(max))], f64);
    return [
      xp.set,
      yp.set,
      m.local.set(max, m.f64.const(-Infinity)),
      line.each((at) => [m.local.set(max, m.f64.max(get(max), x(at)))]),
      m.local.set(sum, m.f64.const(0)),
      ...(log
        ? [
            line.each((at) => [m.local.set(sum, m.f64.add(get(sum), shifted(at)))]),
            m.local.set(max, m.f64.add(get(max), m.call(ctx.math('log'), [get(sum)], f64))),
            line.each((at) => [storeF64(ctx, yp.get, at, m.f64.sub(x(at), get(max)))]),
          ]
        : [
            line.each((at) => [m.local.set(e, shifted(at)), m.local.set(sum, m.f64.add(get(sum), get(e))), storeF64(ctx, yp.get, at, get(e))]),
            line.each((at) => [storeF64(ctx, yp.get, at, m.f64.div(loadF64(ctx, yp.get, at), get(sum)))]),
          ]),
    ];
  });
}

export const softmaxKernel: WasmKernel = {
  emit: (ctx, node) => emitSoftmax(ctx, () => ctx.addr(node.inputs[0]!), () => ctx.addr(node), node.type.shape, node.attrs.axis as number),
};
