/**
 * One invocation per output element of a 2-D pooling op (channels-last): its image, row, column
 * and channel from the flat index `i`, and a loop over the real cells of its window (padding
 * cells clipped away, never read). `init` (which may read `first`, the window's first real cell),
 * `step` (reading `v`, each cell) and `result` are WGSL over `acc`.
 */
import type { Node } from '../../../ir/graph.js';
import { poolGeometry } from '../../../ir/ops/pool-helpers.js';
import { load, type Kernel, type KernelContext } from '../kernel.js';
import { perElementKernel } from './elementwise.js';

/**
 * Max pooling's step over `acc` and the cell `v`: a later cell wins only by being greater, so the
 * first of equal cells stays and a NaN wins only as the first (WGSL's max() leaves NaN to the
 * implementation). The rule of the reference interpreter and the wasm kernels.
 */
export const MAX_POOL_STEP = 'acc = select(acc, v, v > acc)';

export interface WindowMath {
  readonly init: string;
  readonly step: string;
  readonly result: string;
}

export function poolWindowKernel(node: Node, ctx: KernelContext, math: WindowMath): Kernel {
  const x = node.inputs[0]!;
  const g = poolGeometry(x.type, node.attrs);
  const C = g.channels;
  const cell = (h: string, w: string) => load(ctx.operand(x), `((n * ${g.inH}u + u32(${h})) * ${g.inW}u + u32(${w})) * ${C}u + c`);
  const body = `  let c = i % ${C}u;
  let ow = i32((i / ${C}u) % ${g.outW}u);
  let oh = i32((i / ${C * g.outW}u) % ${g.outH}u);
  let n = i / ${C * g.outW * g.outH}u;
  let h0 = oh * ${g.strideH} - ${g.padTop};
  let w0 = ow * ${g.strideW} - ${g.padLeft};
  let h_first = max(h0, 0);
  let h_end = min(h0 + ${g.poolH}, ${g.inH});
  let w_first = max(w0, 0);
  let w_end = min(w0 + ${g.poolW}, ${g.inW});
  let count = f32((h_end - h_first) * (w_end - w_first));
  let first = ${cell('h_first', 'w_first')};
  var acc = ${math.init};
  for (var h = h_first; h < h_end; h++) {
    for (var w = w_first; w < w_end; w++) {
      let v = ${cell('h', 'w')};
      ${math.step};
    }
  }
  ${load(ctx.operand(node), 'i')} = ${math.result};`;
  return perElementKernel(node, ctx, body);
}
