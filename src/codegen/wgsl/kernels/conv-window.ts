/**
 * The shape every WGSL convolution kernel shares: one invocation per output element (n, oy, ox,
 * col), the window's taps in the interpreter's order with padding taps skipped, then bias,
 * activation and an optional residual; a softmax activation follows as a second, in-place
 * dispatch like dense's. A convolution supplies only what one in-image tap adds to `acc`. With a
 * `pool` epilogue (conv2d) each invocation pools the conv values of its window instead.
 */
import type { Node } from '../../../ir/graph.js';
import { epiloguePool, poolGeometry } from '../../../ir/ops/pool-helpers.js';
import { opTraits } from '../../../ir/traits.js';
import { load, shaderModule, ENTRY_PARAMS, type Kernel, type KernelContext } from '../kernel.js';
import { isBatched } from '../shapes.js';
import { activationOf, epilogue } from './dense.js';
import { MAX_POOL_STEP } from './pool-window.js';
import { softmaxKernel } from './softmax.js';

const WORKGROUP = 64;

/** The window geometry both conv2d's and depthwise_conv2d's helpers compute. */
export interface WindowGeometry {
  readonly h: number;
  readonly w: number;
  readonly oh: number;
  readonly ow: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly dh: number;
  readonly dw: number;
  readonly padTop: number;
  readonly padLeft: number;
}

export interface ConvWindowKernel {
  readonly x: Node;
  readonly bias: Node | undefined;
  readonly residual?: Node | undefined;
  readonly g: WindowGeometry;
  /** Output channels (the `col` of an invocation). */
  readonly channels: number;
  /** WGSL run before the taps of each output pixel (n, oy, ox, col are known). */
  readonly prelude?: string;
  /** WGSL for one tap inside the image at (iy, ix) of image n, kernel tap (i, j). */
  readonly tap: string;
}

export function convWindowKernel(node: Node, ctx: KernelContext, k: ConvWindowKernel): Kernel[] {
  const { x, bias, residual, g, channels } = k;
  const Y = ctx.operand(node);
  const pool = epiloguePool(node.attrs);
  // A pooled conv (the `pool` epilogue) runs one invocation per pooled element: each computes the
  // conv values of its window's real cells and reduces them (windows that overlap recompute).
  const pooled = pool && poolGeometry({ dtype: 'f32', shape: [1, g.oh, g.ow, channels] }, pool.attrs);
  const outW = pooled ? pooled.outW : g.ow;
  const pixels = pooled ? pooled.outH * pooled.outW : g.oh * g.ow;
  const batchRows = isBatched(x) ? 'params.batch' : `${x.type.shape[0]}u`;
  const sum = bias ? `acc + ${load(ctx.operand(bias), 'col')}` : 'acc';
  const convAt = `
fn conv_at(n: u32, oy: i32, ox: i32, col: u32) -> f32 {${k.prelude ? `\n  ${k.prelude}` : ''}
  var acc = 0.0;
  for (var i = 0; i < ${g.kh}; i++) {
    let iy = oy * ${g.sh} - ${g.padTop} + i * ${g.dh};
    for (var j = 0; j < ${g.kw}; j++) {
      let ix = ox * ${g.sw} - ${g.padLeft} + j * ${g.dw};
      if (iy >= 0 && iy < ${g.h} && ix >= 0 && ix < ${g.w}) {
        ${k.tap}
      }
    }
  }
  let v = ${sum};
  return ${epilogue(node, 'v')};
}`;
  const store = (value: string) => `${load(Y, `row * ${channels}u + col`)} = ${value};`;
  const result = !pooled
    ? store(`conv_at(n, oy, ox, col)${residual ? ` + ${load(ctx.operand(residual), `row * ${channels}u + col`)}` : ''}`)
    : `let h0 = oy * ${pooled.strideH} - ${pooled.padTop};
  let w0 = ox * ${pooled.strideW} - ${pooled.padLeft};
  let h_first = max(h0, 0);
  let h_end = min(h0 + ${pooled.poolH}, ${pooled.inH});
  let w_first = max(w0, 0);
  let w_end = min(w0 + ${pooled.poolW}, ${pooled.inW});
  var acc = ${opTraits(pool.op).pooling === 'max' ? 'conv_at(n, h_first, w_first, col)' : '0.0'};
  for (var h = h_first; h < h_end; h++) {
    for (var w = w_first; w < w_end; w++) {
      ${opTraits(pool.op).pooling === 'max' ? `let v = conv_at(n, h, w, col);
      ${MAX_POOL_STEP};` : 'acc += conv_at(n, h, w, col);'}
    }
  }
  ${store(opTraits(pool.op).pooling === 'max' ? 'acc' : 'acc / f32((h_end - h_first) * (w_end - w_first))')}`;
  const body = `${convAt}

@compute @workgroup_size(${WORKGROUP})
fn main(${ENTRY_PARAMS}) {
  let row = group_index(wid, nwg);
  let col = wid.z * ${WORKGROUP}u + lid.x;
  if (row >= ${batchRows} * ${pixels}u || col >= ${channels}u) {
    return;
  }
  let n = row / ${pixels}u;
  let oy = i32((row % ${pixels}u) / ${outW}u);
  let ox = i32(row % ${outW}u);
  ${result}
}`;
  const dispatch = { batched: isBatched(x), rowsPerBatch: isBatched(x) ? pixels : pixels * (x.type.shape[0] as number), rowsPerGroup: 1, columnGroups: Math.ceil(channels / WORKGROUP) };
  const kernels: Kernel[] = [{ label: ctx.describe(node), wgsl: shaderModule(body), dispatch }];
  if (activationOf(node) === 'softmax') kernels.push(softmaxKernel(node, node, ctx, -1));
  return kernels;
}
