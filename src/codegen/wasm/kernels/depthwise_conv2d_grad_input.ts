import type { Node } from '../../../ir/graph.js';
import { depthwiseGeometry } from '../../../ir/ops/depthwise-geometry.js';
import { emitZero, valueBytes } from './copy.js';
import { emitDepthwiseWalk } from './depthwise-walk.js';
import type { WasmKernel } from './kernel.js';

/** Zero dx, then per output pixel and tap add Σ_q dy[ch·m + q] · w[tap, ch, q] into the pixel the tap read (windows may overlap). */
export const depthwiseConv2dGradInputKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [dy, w, x] = node.inputs as [Node, Node, Node];
    const g = depthwiseGeometry(x.type.shape, w.type.shape, node.attrs);
    const walk = emitDepthwiseWalk(ctx, x, g, (blk) => {
      const { lanes } = blk;
      const sum = ctx.local(lanes.type);
      const get = () => m.local.get(sum, lanes.type);
      const dx = (xAt: () => number) => m.i32.add(ctx.addr(node), xAt());
      return [
        blk.taps((tap, xAt) => [
          m.local.set(sum, lanes.splat(m.f32.const(0))),
          blk.multipliers((q) => [
            m.local.set(
              sum,
              lanes.add(get(), lanes.mul(lanes.loadStrided(() => m.i32.add(ctx.addr(dy), blk.out(q)), blk.stride), lanes.loadStrided(() => m.i32.add(ctx.addr(w), blk.kernel(tap, q)), blk.stride))),
            ),
          ]),
          lanes.store(dx(xAt), lanes.add(lanes.load(dx(xAt)), get())),
        ]),
      ];
    });
    return m.block(null, [emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)), walk]);
  },
};
