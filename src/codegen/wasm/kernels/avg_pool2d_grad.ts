import type binaryen from 'binaryen';
import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import { emitZero, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';
import { emitPoolWindows } from './pool-windows.js';

/** Zero dx, then add dy / count to every real cell of each window (windows may overlap). */
export const avgPool2dGradKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [dy, ref] = [node.inputs[0]!, node.inputs[1]!];
    return m.block(null, [
      emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)),
      emitPoolWindows(ctx, poolGeometry(ref.type, node.attrs), true, ({ lanes, out, count, cells }) => {
        const g = ctx.local(lanes.type);
        const dx = (at: () => binaryen.ExpressionRef) => m.i32.add(ctx.addr(node), at());
        return [
          m.local.set(g, lanes.div(lanes.load(m.i32.add(ctx.addr(dy), out())), lanes.splat(m.f32.convert_s.i32(count())))),
          cells((at) => [lanes.store(dx(at), lanes.add(lanes.load(dx(at)), m.local.get(g, lanes.type)))]),
        ];
      }),
    ]);
  },
};
