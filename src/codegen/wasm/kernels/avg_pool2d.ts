import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import type { WasmKernel } from './kernel.js';
import { emitPoolWindows } from './pool-windows.js';

/** The sum of each window's real cells divided by their count, f32x4 over channels. */
export const avgPool2dKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const x = node.inputs[0]!;
    return emitPoolWindows(ctx, poolGeometry(x.type, node.attrs), true, ({ lanes, out, count, cells }) => {
      const acc = ctx.local(lanes.type);
      const get = () => m.local.get(acc, lanes.type);
      return [
        m.local.set(acc, lanes.splat(m.f32.const(0))),
        cells((at) => [m.local.set(acc, lanes.add(get(), lanes.load(m.i32.add(ctx.addr(x), at()))))]),
        lanes.store(m.i32.add(ctx.addr(node), out()), lanes.div(get(), lanes.splat(m.f32.convert_s.i32(count())))),
      ];
    });
  },
};
