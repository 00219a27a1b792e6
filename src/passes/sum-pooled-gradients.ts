/**
 * Sums of a routed pooling gradient taken over the pooled windows: `reduce_sum` over the rows and
 * columns (at least) of `max_pool2d_grad(x, dy) {epilogue e}`, whose windows tile x, becomes the
 * same sum of `e(max_pool2d(x), dy)`, a quarter of the cells for 2×2 windows. That is a conv's
 * bias gradient when its relu output was max-pooled (e = relu's derivative mask).
 *
 * Why it is the same sum: each window's dy goes to one cell, its winner, and with tiling windows
 * every cell of x is in exactly one window. The winner's value is the window's maximum bit for bit
 * (max_pool2d and its gradient pick the same first maximum), so e(winner, dy) = e(max_pool2d(x),
 * dy). Every other cell holds e(its x, 0), which adds nothing when e vanishes with its routed
 * operand (`vanishesWith`: relu's mask, mul($1, select($0, 1, 0)), does). Only the order of the
 * additions changes.
 *
 *   before                                                  after
 *   %1 = max_pool2d %0 : f32[?,13,13,32]                    %1 = max_pool2d %0 : f32[?,13,13,32]
 *   %2 = max_pool2d_grad %0, %dy {epilogue=e}               %2 = max_pool2d_grad %0, %dy {epilogue=e}
 *   %3 = reduce_sum %2 {axes=[0,1,2]} : f32[32]             %4 = elementwise %1, %dy {expr=e}
 *                                                           %3 = reduce_sum %4 {axes=[0,1,2]} : f32[32]
 *
 * It runs after fusion, where relu's mask has become the gradient's epilogue; the pooling of x
 * the forward pass computes is reused (matched by its windows), else one is added. A gradient
 * nothing else reads is then dropped (DCE).
 */
import { rebuild } from '../ir/builder.js';
import type { Attrs, Graph, Node } from '../ir/graph.js';
import { poolGradientEpilogue } from '../ir/ops/max_pool2d_grad.js';
import { pooledType, poolGeometry, windowsTile, type PoolGeometry } from '../ir/ops/pool-helpers.js';
import { reducedAxes } from '../ir/ops/reduce_sum.js';
import { arg, printScalar, vanishesWith } from '../ir/scalar-expr.js';
import { eliminateDeadCode } from './dce.js';

const ROUTED = 1;
/** The axes of [N, H, W, C] a pooling window spans. */
const WINDOW_AXES = [1, 2];

const sameWindows = (a: PoolGeometry, b: PoolGeometry): boolean => (Object.keys(a) as (keyof PoolGeometry)[]).every((k) => a[k] === b[k]);

/** The attributes that place the windows (not the gradient's epilogue). */
const windowAttrs = (attrs: Attrs): Attrs => Object.fromEntries(['pool', 'strides', 'padding'].filter((k) => k in attrs).map((k) => [k, attrs[k]!]));

export function sumPooledGradients(graph: Graph): Graph {
  /** The rebuilt poolings of each (rebuilt) x. */
  const poolings = new Map<Node, Node[]>();
  const rewritten = rebuild(graph, (node, inputs, b) => {
    if (node.op === 'max_pool2d') {
      const copy = b.raw(node.op, inputs, node.attrs, node.type, node.name);
      poolings.set(inputs[0]!, [...(poolings.get(inputs[0]!) ?? []), copy]);
      return copy;
    }
    const grad = inputs[0];
    if (node.op !== 'reduce_sum' || grad?.op !== 'max_pool2d_grad') return undefined;
    const [x, dy] = grad.inputs as [Node, Node];
    const g = poolGeometry(x.type, grad.attrs);
    const epilogue = poolGradientEpilogue(grad.attrs);
    const axes = reducedAxes(node.attrs, grad.type.shape.length);
    if (!windowsTile(g) || !WINDOW_AXES.every((a) => axes.includes(a)) || !vanishesWith(epilogue ?? arg(ROUTED), ROUTED)) return undefined;
    const pooled = () => poolings.get(x)?.find((p) => sameWindows(poolGeometry(x.type, p.attrs), g)) ?? b.raw('max_pool2d', [x], windowAttrs(grad.attrs), pooledType(g));
    const shares = epilogue ? b.raw('elementwise', [pooled(), dy], { expr: printScalar(epilogue) }, dy.type) : dy;
    return b.raw('reduce_sum', [shares], node.attrs, node.type, node.name);
  });
  return eliminateDeadCode(rewritten);
}
