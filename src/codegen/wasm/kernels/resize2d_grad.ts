import type binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import { resizeGeometry } from '../../../ir/ops/resize-geometry.js';
import { emitZero, valueBytes } from './copy.js';
import type { WasmKernel } from './kernel.js';
import { emitResizePixels, imagesOf } from './resize-pixels.js';

type Expr = binaryen.ExpressionRef;

/** Zero dx, then add each dy pixel's channels, weighted, into every source pixel it was read from. */
export const resize2dGradKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const dy = node.inputs[0] as Node;
    const [oh, ow] = dy.type.shape.slice(1, 3) as number[];
    const g = resizeGeometry(node.type.shape, [oh!, ow!], node.attrs, 'resize2d_grad');
    const nearest = node.attrs.mode === 'nearest';
    const scatter = emitResizePixels(ctx, String(node.id), g, imagesOf(ctx, dy.type.shape[0]), ({ lanes: l, out, corner, fy, fx }) => {
      const d = ctx.local(l.type);
      const dyBlock = () => m.local.get(d, l.type);
      const accumulate = (bottom: boolean, right: boolean, value: Expr) => {
        const at = () => m.i32.add(ctx.addr(node), corner(bottom, right));
        return l.store(at(), l.add(l.load(at()), value));
      };
      const grad = m.local.set(d, l.load(m.i32.add(ctx.addr(dy), out())));
      if (nearest) return [grad, accumulate(false, false, dyBlock())];
      const weighted = (weight: Expr) => l.mul(dyBlock(), l.splat(weight));
      const notFy = () => m.f32.sub(m.f32.const(1), fy());
      const notFx = () => m.f32.sub(m.f32.const(1), fx());
      return [
        grad,
        accumulate(false, false, weighted(m.f32.mul(notFy(), notFx()))),
        accumulate(false, true, weighted(m.f32.mul(notFy(), fx()))),
        accumulate(true, false, weighted(m.f32.mul(fy(), notFx()))),
        accumulate(true, true, weighted(m.f32.mul(fy(), fx()))),
      ];
    });
    return m.block(null, [emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)), scatter]);
  },
};
