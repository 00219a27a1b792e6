/**
 * resize2d, one invocation per output element (n, oy, ox, ch). Where each output row and column
 * reads (`axisTaps`, fixed at compile time) is baked into the shader as arrays; bilinear lerps
 * along x, then y, as tfjs does.
 */
import type { Node } from '../../../ir/graph.js';
import { resizeGeometry, type AxisTap } from '../../../ir/ops/resize-geometry.js';
import { load, type KernelGenerator } from '../kernel.js';
import { perElementKernel } from './elementwise.js';

const f32Literal = (v: number) => `${Math.fround(v).toPrecision(9)}f`;
const table = (name: string, taps: readonly AxisTap[]) =>
  `  var ${name}_lo = array<u32, ${taps.length}>(${taps.map((t) => `${t.lo}u`).join(', ')});
  var ${name}_hi = array<u32, ${taps.length}>(${taps.map((t) => `${t.hi}u`).join(', ')});
  var ${name}_frac = array<f32, ${taps.length}>(${taps.map((t) => f32Literal(t.frac)).join(', ')});`;

export const resize2dKernel: KernelGenerator = (node, ctx) => {
  const x = node.inputs[0] as Node;
  const g = resizeGeometry(x.type.shape, node.attrs.size as number[], node.attrs, 'resize2d');
  const X = ctx.operand(x);
  const cell = (row: string, col: string) => load(X, `((n * ${g.h}u + ${row}) * ${g.w}u + ${col}) * ${g.c}u + ch`);
  const value =
    node.attrs.mode === 'nearest'
      ? `${cell('rows_lo[oy]', 'cols_lo[ox]')}`
      : `mix2(${cell('rows_lo[oy]', 'cols_lo[ox]')}, ${cell('rows_lo[oy]', 'cols_hi[ox]')}, ${cell('rows_hi[oy]', 'cols_lo[ox]')}, ${cell('rows_hi[oy]', 'cols_hi[ox]')}, rows_frac[oy], cols_frac[ox])`;
  const body = `${table('rows', g.rows)}
${table('cols', g.cols)}
  let ch = i % ${g.c}u;
  let ox = (i / ${g.c}u) % ${g.ow}u;
  let oy = (i / ${g.c * g.ow}u) % ${g.oh}u;
  let n = i / ${g.c * g.ow * g.oh}u;
  ${load(ctx.operand(node), 'i')} = ${value};`;
  const kernel = perElementKernel(node, ctx, body);
  // a + (b - a) · t along x on both rows, then along y.
  const mix2 = `fn mix2(tl: f32, tr: f32, bl: f32, br: f32, fy: f32, fx: f32) -> f32 {
  let top = tl + (tr - tl) * fx;
  let bottom = bl + (br - bl) * fx;
  return top + (bottom - top) * fy;
}
`;
  return [node.attrs.mode === 'nearest' ? kernel : { ...kernel, wgsl: `${mix2}${kernel.wgsl}` }];
};
