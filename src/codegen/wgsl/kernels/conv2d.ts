/**
 * conv2d for inference, one invocation per output element (n, oy, ox, f): the window's taps in
 * the interpreter's order (i, j, channel), padding taps skipped, then bias, activation and residual; a
 * softmax activation follows as a second, in-place dispatch like dense's.
 */
import { NncError } from '../../../errors.js';
import { conv2dGeometry } from '../../../ir/ops/conv2d.js';
import { denseOperandsOf } from '../../../ir/ops/dense.js';
import { load, shaderModule, ENTRY_PARAMS, type KernelGenerator } from '../kernel.js';
import { isBatched } from '../shapes.js';
import { activationOf, epilogue } from './dense.js';
import { softmaxKernel } from './softmax.js';

const WORKGROUP = 64;

export const conv2dKernel: KernelGenerator = (node, ctx) => {
  const { x, w, bias, residual } = denseOperandsOf(node);
  if (residual && activationOf(node) === 'softmax')
    throw new NncError('NNC4001', `webgpu: ${ctx.describe(node)} adds a residual after a softmax activation`, { hint: 'Keep the add a node of its own (the fuse pass does).' });
  const g = conv2dGeometry(x.type.shape, w.type.shape, node.attrs);
  const f = w.type.shape[3] as number;
  const [X, W, Y] = [ctx.operand(x), ctx.operand(w), ctx.operand(node)];
  const pixels = g.oh * g.ow;
  const batchRows = isBatched(x) ? 'params.batch' : `${x.type.shape[0]}u`;
  const sum = bias ? `acc + ${load(ctx.operand(bias), 'col')}` : 'acc';
  const body = `
@compute @workgroup_size(${WORKGROUP})
fn main(${ENTRY_PARAMS}) {
  let row = group_index(wid, nwg);
  let col = wid.z * ${WORKGROUP}u + lid.x;
  if (row >= ${batchRows} * ${pixels}u || col >= ${f}u) {
    return;
  }
  let n = row / ${pixels}u;
  let oy = i32((row % ${pixels}u) / ${g.ow}u);
  let ox = i32(row % ${g.ow}u);
  var acc = 0.0;
  for (var i = 0; i < ${g.kh}; i++) {
    let iy = oy * ${g.sh} - ${g.padTop} + i * ${g.dh};
    for (var j = 0; j < ${g.kw}; j++) {
      let ix = ox * ${g.sw} - ${g.padLeft} + j * ${g.dw};
      if (iy >= 0 && iy < ${g.h} && ix >= 0 && ix < ${g.w}) {
        let xAt = ((n * ${g.h}u + u32(iy)) * ${g.w}u + u32(ix)) * ${g.c}u;
        let wAt = u32(i * ${g.kw} + j) * ${g.c * f}u + col;
        for (var ch = 0u; ch < ${g.c}u; ch++) {
          acc += ${load(X, 'xAt + ch')} * ${load(W, `wAt + ch * ${f}u`)};
        }
      }
    }
  }
  let v = ${sum};
  ${load(Y, `row * ${f}u + col`)} = ${epilogue(node, 'v')}${residual ? ` + ${load(ctx.operand(residual), `row * ${f}u + col`)}` : ''};
}`;
  const kernels = [{ label: ctx.describe(node), wgsl: shaderModule(body), dispatch: { batched: isBatched(x), rowsPerBatch: isBatched(x) ? pixels : pixels * (x.type.shape[0] as number), rowsPerGroup: 1, columnGroups: Math.ceil(f / WORKGROUP) } }];
  if (activationOf(node) === 'softmax') kernels.push(softmaxKernel(node, node, ctx, -1));
  return kernels;
};
