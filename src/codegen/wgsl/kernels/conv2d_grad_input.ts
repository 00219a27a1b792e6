/**
 * conv2d_grad_input — the transposed convolution — one invocation per element (n, y, x, ch) of the
 * result: the gather form of col2im. Each tap (i, j) of the window reaches this pixel from the
 * dy pixel (oy, ox) with oy·sh - padTop + i·dh = y (likewise for x); taps whose oy is not a whole
 * number or falls outside dy add nothing.
 */
import type { Node } from '../../../ir/graph.js';
import { conv2dGeometry } from '../../../ir/ops/conv2d.js';
import { load, type KernelGenerator } from '../kernel.js';
import { perElementKernel } from './elementwise.js';

export const conv2dGradInputKernel: KernelGenerator = (node, ctx) => {
  const [dy, w] = node.inputs as [Node, Node];
  const g = conv2dGeometry(node.type.shape, w.type.shape, node.attrs);
  const f = w.type.shape[3] as number;
  const [DY, W] = [ctx.operand(dy), ctx.operand(w)];
  const body = `  let ch = i % ${g.c}u;
  let x = i32((i / ${g.c}u) % ${g.w}u);
  let y = i32((i / ${g.c * g.w}u) % ${g.h}u);
  let n = i / ${g.c * g.w * g.h}u;
  var acc = 0.0;
  for (var ti = 0; ti < ${g.kh}; ti++) {
    let sy = y + ${g.padTop} - ti * ${g.dh};
    let oy = sy / ${g.sh};
    if (sy < 0 || sy % ${g.sh} != 0 || oy >= ${g.oh}) {
      continue;
    }
    for (var tj = 0; tj < ${g.kw}; tj++) {
      let sx = x + ${g.padLeft} - tj * ${g.dw};
      let ox = sx / ${g.sw};
      if (sx < 0 || sx % ${g.sw} != 0 || ox >= ${g.ow}) {
        continue;
      }
      let dyAt = ((n * ${g.oh}u + u32(oy)) * ${g.ow}u + u32(ox)) * ${f}u;
      let wAt = (u32(ti * ${g.kw} + tj) * ${g.c}u + ch) * ${f}u;
      for (var k = 0u; k < ${f}u; k++) {
        acc += ${load(DY, 'dyAt + k')} * ${load(W, 'wAt + k')};
      }
    }
  }
  ${load(ctx.operand(node), 'i')} = acc;`;
  return [perElementKernel(node, ctx, body)];
};
