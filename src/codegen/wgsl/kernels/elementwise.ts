/**
 * One thread per output element: reads every operand at its broadcast index and evaluates the
 * op's scalar expression. Serves the fused `elementwise` op and every registry op that declares
 * `scalar` math (add, relu, gelu, ...).
 */
import type { Node } from '../../../ir/graph.js';
import { opRegistry } from '../../../ir/ops/index.js';
import type { ScalarExpr } from '../../../ir/scalar-expr.js';
import { ENTRY_PARAMS, load, shaderModule, type Kernel, type KernelContext, type KernelGenerator } from '../kernel.js';
import { scalarToWgsl } from '../scalar.js';
import { broadcastIndex, isBatched, product, rowCount, rowDims } from '../shapes.js';

export const ELEMENTWISE_WORKGROUP = 256;

/**
 * A kernel with one thread per element of `node`'s value: binds the flat index `i`, returns past
 * the last element, then runs `body` (which writes element i).
 */
export function perElementKernel(node: Node, ctx: KernelContext, body: string): Kernel {
  const perRow = product(rowDims(node, ctx.describe(node)));
  const wgsl = `
@compute @workgroup_size(${ELEMENTWISE_WORKGROUP})
fn main(${ENTRY_PARAMS}) {
  let i = group_index(wid, nwg) * ${ELEMENTWISE_WORKGROUP}u + lid.x;
  if (i >= ${rowCount(node)} * ${perRow}u) {
    return;
  }
${body}
}`;
  return {
    label: ctx.describe(node),
    wgsl: shaderModule(wgsl),
    dispatch: { batched: isBatched(node), rowsPerBatch: perRow, rowsPerGroup: ELEMENTWISE_WORKGROUP, columnGroups: 1 },
  };
}

export function elementwiseKernel(node: Node, ctx: KernelContext, expr: ScalarExpr): Kernel {
  const names = node.inputs.map((_, k) => `a${k}`);
  const loads = node.inputs.map((x, k) => `  let ${names[k]} = ${load(ctx.operand(x), broadcastIndex(x.type.shape, node.type.shape, 'i'))};`);
  return perElementKernel(node, ctx, `${loads.join('\n')}\n  ${load(ctx.operand(node), 'i')} = ${scalarToWgsl(expr, names)};`);
}

/** For any op whose registry entry declares its scalar math. */
export const scalarOpKernel: KernelGenerator = (node, ctx) => {
  const def = opRegistry.get(node.op);
  if (!def?.scalar) throw new Error(`${node.op} has no scalar math`);
  return [elementwiseKernel(node, ctx, def.scalar(node.attrs))];
};
