import type { OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { forEachWindow, POOL_ATTRS, pooledType, poolGeometry } from './pool-helpers.js';

/** The mean of each pooling window's real cells, per channel (channels-last x: [N, H, W, C]). */
export const avgPool2d: OpDef = {
  name: 'avg_pool2d',
  summary: 'mean over each `pool` window of x [N,H,W,C] moved by `strides`, padded cells not counted',
  arity: 1,
  attrs: POOL_ATTRS,
  traits: { rowLocal: true },
  inferType: ([x], attrs) => pooledType(poolGeometry(x!, attrs)),
  evaluate([x], attrs, out) {
    const g = poolGeometry({ dtype: 'f32', shape: x!.shape }, attrs);
    const result = tensor(out.shape as number[]);
    const C = g.channels;
    forEachWindow(g, x!.shape[0]!, (p, cells) => {
      for (let c = 0; c < C; c++) {
        // Summed in float64 and divided once, as tfjs' cpu kernel does.
        let sum = 0;
        for (const cell of cells) sum += x!.data[cell * C + c]!;
        result.data[p * C + c] = sum / cells.length;
      }
    });
    return result;
  },
  gradient: (b, node, g) => [b.op('avg_pool2d_grad', [g, node.inputs[0]!], node.attrs)],
};
