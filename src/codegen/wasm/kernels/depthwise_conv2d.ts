import type { Node } from '../../../ir/graph.js';
import { depthwiseGeometry } from '../../../ir/ops/depthwise-geometry.js';
import { emitScalarExpr } from '../scalar-codegen.js';
import { emitActivationAfter, epilogueActivation } from './dense.js';
import { emitDepthwiseWalk } from './depthwise-walk.js';
import type { WasmKernel } from './kernel.js';

/**
 * depthwise_conv2d, direct: per output pixel and block of input channels, an accumulator per
 * multiplier q starts at the bias, adds x · w over the window's taps, takes an activation wasm
 * computes in f32x4 and is stored; any other activation (sigmoid, softmax) follows in place.
 */
export const depthwiseConv2dKernel: WasmKernel = {
  emit(ctx, node) {
    const { m } = ctx;
    const [x, w, bias] = node.inputs as [Node, Node, Node | undefined];
    const g = depthwiseGeometry(x.type.shape, w.type.shape, node.attrs);
    const { expr, inKernel } = epilogueActivation(node);
    const walk = emitDepthwiseWalk(ctx, x, g, (blk) => {
      const { lanes } = blk;
      const acc = ctx.local(lanes.type);
      const get = () => m.local.get(acc, lanes.type);
      return [
        blk.multipliers((q) => {
          const activated = inKernel && expr ? emitScalarExpr(ctx, expr, lanes.width === 4 ? 'f32x4' : 'f32', () => get()) : get();
          return [
            m.local.set(acc, bias ? lanes.loadStrided(() => m.i32.add(ctx.addr(bias), blk.bias(q)), blk.stride) : lanes.splat(m.f32.const(0))),
            blk.taps((tap, xAt) => [
              m.local.set(acc, lanes.add(get(), lanes.mul(lanes.load(m.i32.add(ctx.addr(x), xAt())), lanes.loadStrided(() => m.i32.add(ctx.addr(w), blk.kernel(tap, q)), blk.stride)))),
            ]),
            lanes.storeStrided(() => m.i32.add(ctx.addr(node), blk.out(q)), blk.stride, activated),
          ];
        }),
      ];
    });
    const after = emitActivationAfter(ctx, node, inKernel);
    return after.length === 0 ? walk : m.block(null, [walk, ...after]);
  },
};
