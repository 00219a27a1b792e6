import { normalizeAxis } from '../../../ir/ops/softmax.js';
import type { WasmKernel } from './kernel.js';
import { emitSlice } from './slice.js';

/**
 * Split: one slice per result, each written to its projection's slot (the node itself owns no
 * memory). A result nothing projects (DCE dropped it) is not computed, nor one its readers read
 * in place as blocks of the operand (split-views.ts).
 */
export const splitKernel: WasmKernel = {
  emit(ctx, node) {
    const x = node.inputs[0]!;
    const axis = normalizeAxis(Number(node.attrs.axis), x.type.shape.length);
    const projections = ctx.graph.projections().get(node) ?? [];
    let begin = 0;
    const slices = (node.attrs.sizes as readonly number[]).flatMap((size, k) => {
      const out = projections[k];
      const at = begin;
      begin += size;
      return out && !ctx.blocks(out) ? [emitSlice(ctx, x, out, axis, at)] : [];
    });
    return ctx.m.block(null, slices);
  },
};
