import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import type { WasmKernel } from './kernel.js';
import { emitPool } from './pool-windows.js';

/** The largest real cell of each window, f32x4 over channels. */
export const maxPool2dKernel: WasmKernel = {
  emit: (ctx, node) => emitPool(ctx, 'max', poolGeometry(node.inputs[0]!.type, node.attrs), () => ctx.addr(node.inputs[0]!), () => ctx.addr(node)),
};
