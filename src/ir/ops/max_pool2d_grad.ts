import { ShapeError, type OpDef } from '../registry.js';
import { parseScalar, printScalar, scalarArity, type ScalarExpr } from '../scalar-expr.js';
import { tensor } from '../tensor.js';
import { sameShape } from '../types.js';
import { evaluateScalarExpr } from './elementwise-helpers.js';
import { firstMax, forEachWindow, POOL_ATTRS, pooledType, poolGeometry } from './pool-helpers.js';

/** The epilogue that leaves the routed gradient as it is. */
const ROUTED = '$1';

/** A max_pool2d_grad node's epilogue, undefined when it has none (the routed gradient itself). */
export function poolGradientEpilogue(attrs: { readonly epilogue?: unknown }): ScalarExpr | undefined {
  const text = String(attrs.epilogue ?? ROUTED);
  return text === ROUTED ? undefined : parseScalar(text);
}

/**
 * The gradient of max_pool2d with respect to x: each entry of dy added to the first maximum of
 * its window in x (windows may overlap, so one cell can collect several). `epilogue`, a scalar
 * expression of x at a cell ($0) and the gradient routed there ($1), then applies to every cell:
 * the fuse pass puts the consumer that follows in a training step there (relu's derivative,
 * mul($1, select($0, 1, 0)), after the pooling of a conv's relu).
 */
export const maxPool2dGrad: OpDef = {
  name: 'max_pool2d_grad',
  summary: 'dy of max_pool2d routed to the first maximum of each window of x (x shape), then an epilogue of (x, routed) per cell',
  arity: 2,
  attrs: { ...POOL_ATTRS, epilogue: { kind: 'expr', default: ROUTED } },
  traits: { rowLocal: true },
  inferType([x, dy], attrs) {
    if (!sameShape(dy!.shape, pooledType(poolGeometry(x!, attrs)).shape)) throw new ShapeError('max_pool2d_grad: dy does not have the pooled shape of x');
    const epilogue = poolGradientEpilogue(attrs);
    if (epilogue && scalarArity(epilogue) > 2) throw new ShapeError(`max_pool2d_grad: the epilogue ${printScalar(epilogue)} reads more than x ($0) and the routed gradient ($1)`);
    return x!;
  },
  evaluate([x, dy], attrs) {
    const g = poolGeometry({ dtype: 'f32', shape: x!.shape }, attrs);
    const dx = tensor(x!.shape);
    const C = g.channels;
    forEachWindow(g, x!.shape[0]!, (p, cells) => {
      for (let c = 0; c < C; c++) dx.data[cells[firstMax(x!.data, cells, C, c)]! * C + c]! += dy!.data[p * C + c]!;
    });
    const epilogue = poolGradientEpilogue(attrs);
    return epilogue ? evaluateScalarExpr(epilogue, [x!, dx]) : dx;
  },
};
