/**
 * Index of the largest entry along an axis (the first on ties, as tf.argMax), as f32: one thread
 * per output element scans its row.
 */
import { load, shaderModule, type KernelGenerator } from '../kernel.js';
import { isBatched, product, rowAxis, rowCount } from '../shapes.js';
import { ELEMENTWISE_WORKGROUP as WG } from './elementwise.js';
import { threadPerRowShader } from './softmax.js';

export const argmaxKernel: KernelGenerator = (node, ctx) => {
  const x = node.inputs[0]!;
  const { dims, axis } = rowAxis(x, node.attrs.axis as number, ctx.describe(node), node.op);
  const n = dims[axis - 1]!;
  const inner = product(dims.slice(axis));
  const rows = product(dims) / n;
  const at = (j: string) => load(ctx.operand(x), `base + ${j} * INNER`);
  const body = threadPerRowShader(
    { n, inner, rows, batchRows: rowCount(node) },
    WG,
    `  var best = 0u;
  var best_value = ${at('0u')};
  for (var j = 1u; j < N; j++) {
    let v = ${at('j')};
    if (v > best_value) {
      best = j;
      best_value = v;
    }
  }
  ${load(ctx.operand(node), 'row')} = f32(best);`,
  );
  return [{ label: ctx.describe(node), wgsl: shaderModule(body), dispatch: { batched: isBatched(node), rowsPerBatch: rows, rowsPerGroup: WG, columnGroups: 1 } }];
};
