import type { Node } from '../../../ir/graph.js';
import { resizeGeometry } from '../../../ir/ops/resize-geometry.js';
import type { WasmKernel } from './kernel.js';
import { emitResizePixels, imagesOf } from './resize-pixels.js';

/** Each output pixel's channels: nearest copies the source pixel, bilinear lerps along x then y (tfjs' order). */
export const resize2dKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const x = node.inputs[0] as Node;
    const g = resizeGeometry(x.type.shape, node.attrs.size as number[], node.attrs, 'resize2d');
    return emitResizePixels(ctx, String(node.id), g, imagesOf(ctx, x.type.shape[0]), ({ lanes: l, out, corner, fy, fx }) => {
      const src = (bottom: boolean, right: boolean) => l.load(m.i32.add(ctx.addr(x), corner(bottom, right)));
      const store = (v: number) => [l.store(m.i32.add(ctx.addr(node), out()), m.local.get(v, l.type))];
      const v = ctx.local(l.type);
      if (node.attrs.mode === 'nearest') return [m.local.set(v, src(false, false)), ...store(v)];
      const lerp = (a: number, b: number, t: () => number) => m.local.set(a, l.add(m.local.get(a, l.type), l.mul(l.sub(m.local.get(b, l.type), m.local.get(a, l.type)), l.splat(t()))));
      const [top, topRight, bottom, bottomRight] = [v, ctx.local(l.type), ctx.local(l.type), ctx.local(l.type)];
      return [
        m.local.set(top, src(false, false)),
        m.local.set(topRight, src(false, true)),
        m.local.set(bottom, src(true, false)),
        m.local.set(bottomRight, src(true, true)),
        lerp(top, topRight, fx),
        lerp(bottom, bottomRight, fx),
        lerp(top, bottom, fy),
        ...store(top),
      ];
    });
  },
};
