/**
 * conv2d for inference, one invocation per output element (n, oy, ox, f): the window's taps in
 * the interpreter's order (i, j, channel), padding taps skipped, then bias, activation and residual; a
 * softmax activation follows as a second, in-place dispatch like dense's.
 */
import { NncError } from '../../../errors.js';
import { conv2dGeometry } from '../../../ir/ops/conv2d.js';
import { denseOperandsOf } from '../../../ir/ops/dense.js';
import { load, type KernelGenerator } from '../kernel.js';
import { convWindowKernel } from './conv-window.js';
import { activationOf } from './dense.js';

export const conv2dKernel: KernelGenerator = (node, ctx) => {
  const { x, w, bias, residual } = denseOperandsOf(node);
  if (residual && activationOf(node) === 'softmax')
    throw new NncError('NNC4001', `webgpu: ${ctx.describe(node)} adds a residual after a softmax activation`, { hint: 'Keep the add a node of its own (the fuse pass does).' });
  const g = conv2dGeometry(x.type.shape, w.type.shape, node.attrs);
  const f = w.type.shape[3] as number;
  const [X, W] = [ctx.operand(x), ctx.operand(w)];
  return convWindowKernel(node, ctx, {
    x,
    bias,
    residual,
    g,
    channels: f,
    tap: `let xAt = ((n * ${g.h}u + u32(iy)) * ${g.w}u + u32(ix)) * ${g.c}u;
        let wAt = u32(i * ${g.kw} + j) * ${g.c * f}u + col;
        for (var ch = 0u; ch < ${g.c}u; ch++) {
          acc += ${load(X, 'xAt + ch')} * ${load(W, `wAt + ch * ${f}u`)};
        }`,
  });
};
