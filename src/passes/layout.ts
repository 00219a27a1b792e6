/**
 * Layout: the image kernels are channels-last only, so channels-first layers and NCHW imports
 * arrive wrapped in transposes (NCHW -> NHWC before a conv or pool, back after it). This pass
 * removes the transposes between such ops:
 * - transpose(transpose(x, p), q) is one transpose by the composed perm, and none when that is
 *   the identity (a transpose by the identity perm vanishes too);
 * - an elementwise op whose operands are transposes by one perm p (each used only there, of the
 *   result's shape) and constants becomes the op on the untransposed values followed by one
 *   transpose by p. A constant operand (a per-channel bias [C, 1, 1] of an NCHW model) is
 *   rewritten as the constant it must be in the untransposed order (right-aligned to the result's
 *   rank, permuted by p⁻¹, leading 1s dropped: [C] there): the transposed data is computed here,
 *   as a new weight `<name>.transpose` (or a `const` for a literal).
 * - an op along one axis (the `alongAxis` trait: pad, slice) of a transpose used only there runs
 *   on the untransposed value, along the axis the transpose moved there, followed by the
 *   transpose (a channels-first ZeroPadding2D or Cropping2D between convs).
 * Transposes are thereby pushed down towards the next transpose, where they cancel, so a chain
 * NCHW -> conv -> relu -> conv -> NCHW keeps only the transposes at its two ends. A transpose of a
 * constant alone (a kernel imported in another layout) is fold-constants' job, which runs first,
 * so such a value arrives here as a constant.
 *
 *   before                                               after
 *   %0 = transpose %x {perm=[0,2,3,1]} : f32[?,5,5,3]    %0 = transpose %x {perm=[0,2,3,1]} : f32[?,5,5,3]
 *   %1 = conv2d %0, %k : f32[?,3,3,4]                    %1 = conv2d %0, %k : f32[?,3,3,4]
 *   %2 = transpose %1 {perm=[0,3,1,2]} : f32[?,4,3,3]    %2 = relu %1 : f32[?,3,3,4]
 *   %3 = relu %2 : f32[?,4,3,3]                          %3 = conv2d %2, %k2 : f32[?,1,1,2]
 *   %4 = transpose %3 {perm=[0,2,3,1]} : f32[?,3,3,4]    %4 = transpose %3 {perm=[0,3,1,2]} : f32[?,2,1,1]
 *   %5 = conv2d %4, %k2 : f32[?,1,1,2]
 *   %6 = transpose %5 {perm=[0,3,1,2]} : f32[?,2,1,1]
 */
import { rebuild, type GraphBuilder } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import { composePerms, inversePerm, isIdentityPerm, transpose } from '../ir/ops/transpose.js';
import { typedTensor, type TensorData } from '../ir/tensor.js';
import { isAlongAxisOp, isConstantOp, isElementwiseOp } from '../ir/traits.js';
import { normalizeAxis } from '../ir/ops/softmax.js';
import { sameShape, type TensorType } from '../ir/types.js';
import { freshName } from './fold-constants.js';

export function layout(graph: Graph): Graph {
  const uses = new Map<Node, number>();
  for (const n of graph.nodes) for (const i of n.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of graph.outputs) uses.set(o.node, (uses.get(o.node) ?? 0) + 1);
  const taken = new Set(graph.nodes.flatMap((n) => (n.name === undefined ? [] : [n.name])));
  const weights = new Map(graph.weights);

  return rebuild(graph, (node, inputs, b) => {
    if (node.op === 'transpose') return composeTransposes(b, inputs[0]!, node.attrs.perm as number[]);
    if (isAlongAxisOp(node.op)) return alongAxisFirst(b, node, inputs[0]!, uses.get(node.inputs[0]!) === 1);
    if (!isElementwiseOp(node.op) || node.results) return undefined;
    const moved = inputs.find((x) => x.op === 'transpose');
    if (!moved) return undefined;
    const perm = moved.attrs.perm as number[];
    const movable = (x: Node, k: number) =>
      x.op === 'transpose'
        ? sameShape(x.type.shape, node.type.shape) && perm.every((p, i) => p === (x.attrs.perm as number[])[i]) && perm.length === (x.attrs.perm as number[]).length && uses.get(node.inputs[k]!) === 1
        : isConstantOp(x.op) && x.type.shape.length <= perm.length && (x.op === 'const' || weights.has(x.name!));
    if (!inputs.every(movable)) return undefined;
    const inverse = inversePerm(perm);
    const operands = inputs.map((x) => (x.op === 'transpose' ? x.inputs[0]! : b.withOrigin([x], () => permutedConstant(b, x, inverse, weights, taken))));
    const inner = b.op(node.op, operands, node.attrs);
    // The one transpose after the op stands for the ones it replaces before it.
    return b.absorb(b.op('transpose', [inner], { perm }), ...inputs.filter((x) => x.op === 'transpose'));
  });
}

/**
 * An op along one axis (pad, slice) of a transpose used only there runs first, on the axis the
 * transposed one was: op(transpose(x, p), axis a) = transpose(op(x, axis p[a]), p).
 */
function alongAxisFirst(b: GraphBuilder, node: Node, x: Node, soleUse: boolean): Node | undefined {
  if (x.op !== 'transpose' || !soleUse) return undefined;
  const perm = x.attrs.perm as number[];
  const axis = perm[normalizeAxis(node.attrs.axis as number, perm.length)]!;
  return b.absorb(b.op('transpose', [b.op(node.op, [x.inputs[0]!], { ...node.attrs, axis })], { perm }), x);
}

/**
 * transpose(x, perm) merged with x's own transpose if it is one, x itself when the (composed) perm
 * is the identity; undefined to keep the node as it is.
 */
function composeTransposes(b: GraphBuilder, x: Node, perm: number[]): Node | undefined {
  const nested = x.op === 'transpose';
  const [source, composed] = nested ? [x.inputs[0]!, composePerms(x.attrs.perm as number[], perm)] : [x, perm];
  if (isIdentityPerm(composed)) return nested ? b.absorb(source, x) : source;
  return nested ? b.absorb(b.op('transpose', [source], { perm: composed }), x) : undefined;
}

/**
 * The constant c' with op(transpose(x, p), c) = transpose(op(x, c'), p): c right-aligned to the
 * rank of p (leading 1s), transposed by p⁻¹, its leading 1s dropped again.
 */
function permutedConstant(b: GraphBuilder, c: Node, inverse: number[], weights: Map<string, TensorData>, taken: Set<string>): Node {
  const rank = inverse.length;
  const padded = [...new Array<number>(rank - c.type.shape.length).fill(1), ...(c.type.shape as number[])];
  const data = c.op === 'const' ? typedTensor(padded, c.type.dtype, c.attrs.value as number[]).data : weights.get(c.name!)!;
  const outShape = inverse.map((p) => padded[p]!);
  const firstAxis = outShape.findIndex((d) => d !== 1);
  const type: TensorType = { dtype: c.type.dtype, shape: outShape.slice(firstAxis === -1 ? rank : firstAxis) };
  const permuted = transpose.evaluate([{ shape: padded, data }], { perm: inverse }, { dtype: c.type.dtype, shape: outShape }).data;
  if (c.op === 'const') return b.constant([...permuted], type);
  const name = freshName(`${c.name}.transpose`, taken);
  weights.set(name, permuted);
  return b.weight(name, type, permuted);
}
