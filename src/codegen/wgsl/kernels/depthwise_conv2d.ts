/**
 * depthwise_conv2d for inference, one invocation per output element (n, oy, ox, ch·m + q): the
 * window's taps of input channel ch in the interpreter's order, padding taps skipped, then bias
 * and activation; a softmax activation follows as a second, in-place dispatch like conv2d's.
 */
import type { Node } from '../../../ir/graph.js';
import { depthwiseGeometry } from '../../../ir/ops/depthwise-geometry.js';
import { load, type KernelGenerator } from '../kernel.js';
import { convWindowKernel } from './conv-window.js';

export const depthwiseConv2dKernel: KernelGenerator = (node, ctx) => {
  const [x, w, bias] = node.inputs as [Node, Node, Node | undefined];
  const g = depthwiseGeometry(x.type.shape, w.type.shape, node.attrs);
  const cm = g.c * g.m;
  const [X, W] = [ctx.operand(x), ctx.operand(w)];
  return convWindowKernel(node, ctx, {
    x,
    bias,
    g,
    channels: cm,
    prelude: `let ch = col / ${g.m}u;`,
    tap: `acc += ${load(X, `((n * ${g.h}u + u32(iy)) * ${g.w}u + u32(ix)) * ${g.c}u + ch`)} * ${load(W, `u32(i * ${g.kw} + j) * ${cm}u + col`)};`,
  });
};
