import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import type { WasmKernel } from './kernel.js';
import { emitPool } from './pool-windows.js';

/** The sum of each window's real cells divided by their count, f32x4 over channels. */
export const avgPool2dKernel: WasmKernel = {
  emit: (ctx, node) => emitPool(ctx, 'avg', poolGeometry(node.inputs[0]!.type, node.attrs), () => ctx.addr(node.inputs[0]!), () => ctx.addr(node)),
};
