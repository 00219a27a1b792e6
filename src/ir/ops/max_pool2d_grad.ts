import { ShapeError, type OpDef } from '../registry.js';
import { tensor } from '../tensor.js';
import { sameShape } from '../types.js';
import { firstMax, forEachWindow, POOL_ATTRS, pooledType, poolGeometry } from './pool-helpers.js';

/**
 * The gradient of max_pool2d with respect to x: each entry of dy added to the first maximum of
 * its window in x (windows may overlap, so one cell can collect several).
 */
export const maxPool2dGrad: OpDef = {
  name: 'max_pool2d_grad',
  summary: 'dy of max_pool2d routed to the first maximum of each window of x (x shape)',
  arity: 2,
  attrs: POOL_ATTRS,
  traits: { rowLocal: true },
  inferType([x, dy], attrs) {
    if (!sameShape(dy!.shape, pooledType(poolGeometry(x!, attrs)).shape)) throw new ShapeError('max_pool2d_grad: dy does not have the pooled shape of x');
    return x!;
  },
  evaluate([x, dy], attrs) {
    const g = poolGeometry({ dtype: 'f32', shape: x!.shape }, attrs);
    const dx = tensor(x!.shape);
    const C = g.channels;
    forEachWindow(g, x!.shape[0]!, (p, cells) => {
      for (let c = 0; c < C; c++) dx.data[cells[firstMax(x!.data, cells, C, c)]! * C + c]! += dy!.data[p * C + c]!;
    });
    return dx;
  },
};
