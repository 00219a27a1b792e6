import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { firstMax, forEachWindow, POOL_ATTRS, pooledType, poolGeometry } from './pool-helpers.js';

/** The largest value of each pooling window, per channel (channels-last x: [N, H, W, C]). */
export const maxPool2d: OpDef = {
  name: 'max_pool2d',
  summary: 'max over each `pool` window of x [N,H,W,C] moved by `strides` (`padding` valid or same)',
  arity: 1,
  attrs: POOL_ATTRS,
  traits: { rowLocal: true },
  inferType: ([x], attrs) => pooledType(poolGeometry(x!, attrs)),
  evaluate([x], attrs, out) {
    const g = poolGeometry({ dtype: 'f32', shape: x!.shape }, attrs);
    const result = tensor(out.shape as number[]);
    const C = g.channels;
    forEachWindow(g, x!.shape[0]!, (p, cells) => {
      for (let c = 0; c < C; c++) result.data[p * C + c] = x!.data[cells[firstMax(x!.data, cells, C, c)]! * C + c]!;
    });
    return result;
  },
  // The whole gradient goes to the first maximum of each window (TF's MaxPoolGrad).
  gradient: (b, node, g) => [b.op('max_pool2d_grad', [node.inputs[0]!, g], node.attrs)],
};
