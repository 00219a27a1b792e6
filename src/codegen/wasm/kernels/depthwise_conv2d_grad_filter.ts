import type { Node } from '../../../ir/graph.js';
import { depthwiseGeometry } from '../../../ir/ops/depthwise-geometry.js';
import { emitZero, valueBytes } from './copy.js';
import { emitDepthwiseWalk } from './depthwise-walk.js';
import type { WasmKernel } from './kernel.js';

/** Zero dw, then per output pixel (of every image), tap and multiplier add x[tap's pixel, ch] · dy[ch·m + q] into dw[tap, ch, q]. */
export const depthwiseConv2dGradFilterKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [x, dy] = node.inputs as [Node, Node];
    const g = depthwiseGeometry(x.type.shape, node.type.shape, node.attrs);
    const walk = emitDepthwiseWalk(ctx, x, g, (blk) => {
      const { lanes } = blk;
      return [
        blk.taps((tap, xAt) => [
          blk.multipliers((q) => {
            const dw = () => m.i32.add(ctx.addr(node), blk.kernel(tap, q));
            const product = lanes.mul(lanes.load(m.i32.add(ctx.addr(x), xAt())), lanes.loadStrided(() => m.i32.add(ctx.addr(dy), blk.out(q)), blk.stride));
            return [lanes.storeStrided(dw, blk.stride, lanes.add(lanes.loadStrided(dw, blk.stride), product))];
          }),
        ]),
      ];
    });
    return m.block(null, [emitZero(ctx, () => ctx.addr(node), () => valueBytes(ctx, node)), walk]);
  },
};
