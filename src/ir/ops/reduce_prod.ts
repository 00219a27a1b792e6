import type { GraphBuilder } from '../builder.js';
import type { Node } from '../graph.js';
import type { OpDef } from '../registry.js';
import { foldReduce, inferReduce, keepsBatchAxis, REDUCE_ATTRS } from './reduce_sum.js';

/**
 * The gradient of a product: each entry receives the product of the other entries of its line.
 * Where the line has no zero that is y / x; where it has one zero, the zero entry receives the
 * product of the nonzero entries and the others 0; with two or more, every entry receives 0.
 */
function productGradient(b: GraphBuilder, node: Node, g: Node): Node[] {
  const x = node.inputs[0]!;
  const reduced = { axes: node.attrs.axes!, keepdims: node.attrs.keepdims! };
  const f32 = (v: number) => b.constant([v], { dtype: 'f32', shape: [] });
  const back = (v: Node) => b.op('unreduce', [v, x], reduced);
  const isZero = b.op('equal', [x, f32(0)]);
  const zeros = back(b.op('reduce_sum', [b.op('cast', [isZero], { to: 'f32' })], reduced));
  const nonzero = b.op('where', [isZero, f32(1), x]);
  const others = back(b.op('reduce_prod', [nonzero], reduced));
  const exactlyOne = b.op('where', [b.op('equal', [zeros, f32(1)]), others, f32(0)]);
  const none = b.op('where', [b.op('equal', [zeros, f32(0)]), b.op('div', [others, nonzero]), f32(0)]);
  return [b.op('mul', [back(g), b.op('where', [isZero, exactlyOne, none])])];
}

/** The product over `axes` (all when empty), accumulated in float64 in row-major order. */
export const reduceProd: OpDef = {
  name: 'reduce_prod',
  summary: 'product over `axes` (all when empty), dropping them unless `keepdims`',
  arity: 1,
  attrs: REDUCE_ATTRS,
  traits: { rowLocal: keepsBatchAxis(0) },
  inferType: inferReduce,
  evaluate: ([x], attrs, out) => foldReduce(x!, attrs, out.shape as number[], 1, (acc, v) => acc * v),
  gradient: productGradient,
};
