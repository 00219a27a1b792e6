/**
 * depthwise_conv2d for inference, one invocation per output element (n, oy, ox, ch·m + q): the
 * window's taps of input channel ch in the interpreter's order, padding taps skipped, then bias
 * and activation; a softmax activation follows as a second, in-place dispatch like conv2d's.
 */
import type { Node } from '../../../ir/graph.js';
import { depthwiseGeometry } from '../../../ir/ops/depthwise-geometry.js';
import { load, shaderModule, ENTRY_PARAMS, type KernelGenerator } from '../kernel.js';
import { isBatched } from '../shapes.js';
import { activationOf, epilogue } from './dense.js';
import { softmaxKernel } from './softmax.js';

const WORKGROUP = 64;

export const depthwiseConv2dKernel: KernelGenerator = (node, ctx) => {
  const [x, w, bias] = node.inputs as [Node, Node, Node | undefined];
  const g = depthwiseGeometry(x.type.shape, w.type.shape, node.attrs);
  const cm = g.c * g.m;
  const [X, W, Y] = [ctx.operand(x), ctx.operand(w), ctx.operand(node)];
  const pixels = g.oh * g.ow;
  const batchRows = isBatched(x) ? 'params.batch' : `${x.type.shape[0]}u`;
  const sum = bias ? `acc + ${load(ctx.operand(bias), 'col')}` : 'acc';
  const body = `
@compute @workgroup_size(${WORKGROUP})
fn main(${ENTRY_PARAMS}) {
  let row = group_index(wid, nwg);
  let col = wid.z * ${WORKGROUP}u + lid.x;
  if (row >= ${batchRows} * ${pixels}u || col >= ${cm}u) {
    return;
  }
  let n = row / ${pixels}u;
  let oy = i32((row % ${pixels}u) / ${g.ow}u);
  let ox = i32(row % ${g.ow}u);
  let ch = col / ${g.m}u;
  var acc = 0.0;
  for (var i = 0; i < ${g.kh}; i++) {
    let iy = oy * ${g.sh} - ${g.padTop} + i * ${g.dh};
    for (var j = 0; j < ${g.kw}; j++) {
      let ix = ox * ${g.sw} - ${g.padLeft} + j * ${g.dw};
      if (iy >= 0 && iy < ${g.h} && ix >= 0 && ix < ${g.w}) {
        acc += ${load(X, `((n * ${g.h}u + u32(iy)) * ${g.w}u + u32(ix)) * ${g.c}u + ch`)} * ${load(W, `u32(i * ${g.kw} + j) * ${cm}u + col`)};
      }
    }
  }
  let v = ${sum};
  ${load(Y, `row * ${cm}u + col`)} = ${epilogue(node, 'v')};
}`;
  const kernels = [{ label: ctx.describe(node), wgsl: shaderModule(body), dispatch: { batched: isBatched(x), rowsPerBatch: isBatched(x) ? pixels : pixels * (x.type.shape[0] as number), rowsPerGroup: 1, columnGroups: Math.ceil(cm / WORKGROUP) } }];
  if (activationOf(node) === 'softmax') kernels.push(softmaxKernel(node, node, ctx, -1));
  return kernels;
};
