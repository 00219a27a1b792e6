import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import type { WasmKernel } from './kernel.js';
import { emitPoolWindows } from './pool-windows.js';

/** The largest real cell of each window, f32x4 over channels. */
export const maxPool2dKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const x = node.inputs[0]!;
    return emitPoolWindows(ctx, poolGeometry(x.type, node.attrs), true, ({ lanes, out, cells }) => {
      const acc = ctx.local(lanes.type);
      const get = () => m.local.get(acc, lanes.type);
      return [
        m.local.set(acc, lanes.splat(m.f32.const(-Infinity))),
        cells((at) => [m.local.set(acc, lanes.max(get(), lanes.load(m.i32.add(ctx.addr(x), at()))))]),
        lanes.store(m.i32.add(ctx.addr(node), out()), get()),
      ];
    });
  },
};
