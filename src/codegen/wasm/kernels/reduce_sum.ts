import binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { reducedAxes } from '../../../ir/ops/reduce_sum.js';
import type { KernelContext } from '../context.js';
import { emitReduce, loadF64, storeF64 } from '../reduce.js';
import type { WasmKernel } from './kernel.js';

/**
 * The sum (or mean, or product) of each line, accumulated in f64 in the interpreter's order
 * (row-major over the reduced axes), so that the result rounds to the same float32.
 */
export function emitSum(ctx: KernelContext, node: Node, kind: 'sum' | 'mean' | 'prod'): binaryen.ExpressionRef {
  const { m } = ctx;
  const x = node.inputs[0]!;
  const acc = ctx.local(binaryen.f64);
  const get = () => m.local.get(acc, binaryen.f64);
  const src = () => ctx.addr(x);
  const dst = () => ctx.addr(node);
  return emitReduce(ctx, x.type.shape, reducedAxes(node.attrs, x.type.shape.length), (line) => [
    m.local.set(acc, m.f64.const(kind === 'prod' ? 1 : 0)),
    line.each((at) => {
      const v = loadF64(ctx, () => m.i32.add(src(), line.start()), at);
      return [m.local.set(acc, kind === 'prod' ? m.f64.mul(get(), v) : m.f64.add(get(), v))];
    }),
    storeF64(ctx, dst, () => m.i32.mul(line.index(), ctx.i32(4)), kind === 'mean' ? m.f64.div(get(), m.f64.convert_u.i32(line.count())) : get()),
  ]);
}

export const reduceSumKernel: WasmKernel = { emit: (ctx, node) => emitSum(ctx, node, 'sum') };
