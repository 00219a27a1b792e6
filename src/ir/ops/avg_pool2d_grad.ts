import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { sameShape } from '../types.js';
import { forEachWindow, POOL_ATTRS, pooledType, poolGeometry } from './pool-helpers.js';

/**
 * The gradient of avg_pool2d with respect to x: each entry of dy spread evenly over the real
 * cells of its window. `ref` (the pooled x) supplies only its shape, which may hold the batch.
 */
export const avgPool2dGrad: OpDef = {
  name: 'avg_pool2d_grad',
  summary: 'dy of avg_pool2d spread evenly over the real cells of each window (shape of ref)',
  arity: 2,
  attrs: POOL_ATTRS,
  traits: { rowLocal: true },
  inferType([dy, ref], attrs) {
    if (!sameShape(dy!.shape, pooledType(poolGeometry(ref!, attrs)).shape)) throw new ShapeError('avg_pool2d_grad: dy does not have the pooled shape of ref');
    return { dtype: 'f32', shape: ref!.shape };
  },
  evaluate([dy, ref], attrs) {
    const g = poolGeometry({ dtype: 'f32', shape: ref!.shape }, attrs);
    const dx = tensor(ref!.shape);
    const C = g.channels;
    forEachWindow(g, ref!.shape[0]!, (p, cells) => {
      for (let c = 0; c < C; c++) for (const cell of cells) dx.data[cell * C + c]! += dy!.data[p * C + c]! / cells.length;
    });
    return dx;
  },
};
