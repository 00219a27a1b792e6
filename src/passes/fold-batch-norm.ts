/**
 * Folds an inference batch norm into the product before it. A node that is a constant
 * per-channel affine map x · s + t (the `channelAffine` trait: batch_norm with constant
 * statistics and weights, s = gamma / sqrt(variance + epsilon), t = beta - mean · s) following
 * a product linear in its kernel (the `channelProduct` trait: matmul by a [k, n] matrix, a
 * linear conv2d, dense or depthwise_conv2d, a transposed convolution) with a constant kernel and
 * bias is absorbed: kernel' = kernel · s along the kernel axes the trait names as the output
 * channel, bias' = bias · s + t. The product (and its bias add, when the bias is a separate
 * `add`) must feed only the batch norm, since the unnormalized value is gone afterwards. New
 * weights are named `<weight>.batch_norm`; the old ones are left to DCE, which the pass ends with.
 *
 *   before                                             after
 *   %0 = conv2d %x, %k : f32[?,4,4,8]                  %0 = conv2d %x, %k.batch_norm : f32[?,4,4,8]
 *   %1 = add %0, %b : f32[?,4,4,8]                     %1 = add %0, %b.batch_norm : f32[?,4,4,8]
 *   %2 = batch_norm %1, %m, %v, %g, %beta : ...        (uses of %2 read %1)
 */
import { rebuild } from '../ir/builder.js';
import type { Graph, Node } from '../ir/graph.js';
import type { TensorData } from '../ir/tensor.js';
import type { ChannelAffine, ChannelProduct } from '../ir/registry.js';
import { channelProductOf, opTraits } from '../ir/traits.js';
import { sameShape, type Shape, type TensorType } from '../ir/types.js';
import { eliminateDeadCode } from './dce.js';
import { freshName } from './fold-constants.js';

interface Fold {
  readonly product: Node;
  readonly channels: ChannelProduct;
  /** The separate `add` of a [channels] bias, when there is one. */
  readonly biasAdd?: Node;
  /** The bias: the separate add's constant, else the product's own bias operand. */
  readonly bias?: Node;
  readonly norm: Node;
  readonly affine: ChannelAffine;
}

export function foldBatchNorm(input: Graph): Graph {
  // Use counts must be of live nodes: an earlier pass (layout, cancelling an NCHW import's
  // transposes) may leave a dead reader of the product behind.
  const graph = eliminateDeadCode(input);
  const uses = graph.useCounts();
  const soleUse = (n: Node) => uses.get(n) === 1;
  const dataOf = (n: Node): TensorData | undefined => (n.op === 'weight' ? graph.weights.get(n.name!) : n.op === 'const' ? Float32Array.from(n.attrs.value as number[]) : undefined);
  const folds = new Map<Node, Fold>();
  for (const norm of graph.nodes) {
    const affine = opTraits(norm.op).channelAffine?.(norm, norm.inputs.map(dataOf));
    const fold = affine && foldable(norm, affine, soleUse, dataOf);
    if (fold) folds.set(fold.product, fold).set(fold.norm, fold);
    if (fold?.biasAdd) folds.set(fold.biasAdd, fold);
  }
  if (folds.size === 0) return graph;
  const taken = new Set(graph.nodes.flatMap((n) => (n.name === undefined ? [] : [n.name])));
  const folded = rebuild(graph, (node, inputs, b) => {
    const fold = folds.get(node);
    if (!fold) return undefined;
    // The batch norm vanishes into the (folded) value it reads, which so stands for it too.
    if (node === fold.norm) return inputs[0];
    const { scale, shift } = fold.affine;
    // A folded weight stands for the weight it scales and the batch norm's own operands.
    const normOperands = fold.norm.inputs.slice(1);
    const freshWeight = (name: string, type: TensorType, data: Float32Array, from: readonly Node[]) =>
      b.withOrigin([...from, ...normOperands], () => b.weight(freshName(name, taken), type, data));
    if (node === fold.product) {
      const kernel = node.inputs[1]!;
      const scaled = scaledKernel(dataOf(kernel)!, kernel.type.shape, fold.channels.kernelAxes, scale);
      // Other operands (a transposed convolution's shape operand) stay as they are.
      const operands = replaced(inputs, 1, freshWeight(`${kernel.name ?? 'kernel'}.batch_norm`, kernel.type, scaled, [kernel]));
      // With a separate bias add, that add takes the folded bias (below).
      if (fold.biasAdd) return b.raw(node.op, operands, node.attrs, node.type);
      const bias = foldedBias(fold.bias && dataOf(fold.bias), scale, shift);
      const biasWeight = freshWeight(`${fold.bias?.name ?? `${kernel.name ?? 'kernel'}.bias`}.batch_norm`, { dtype: 'f32', shape: [bias.length] }, bias, fold.bias ? [fold.bias] : []);
      // A product with its own bias operand (conv2d, dense) keeps it there; one without gets an add.
      if (fold.bias) return b.raw(node.op, replaced(operands, fold.channels.biasOperand!, biasWeight), node.attrs, node.type);
      return b.op('add', [b.raw(node.op, operands, node.attrs, node.type), biasWeight]);
    }
    // The separate bias add: the folded product plus the folded bias.
    const biasData = foldedBias(dataOf(fold.bias!)!, scale, shift);
    const productSide = node.inputs[0] === fold.product ? 0 : 1;
    return b.op('add', [inputs[productSide]!, freshWeight(`${fold.bias!.name ?? 'bias'}.batch_norm`, fold.bias!.type, biasData, [fold.bias!])]);
  });
  return eliminateDeadCode(folded);
}

/** The product (and bias add) a batch norm may fold into, or undefined. */
function foldable(norm: Node, affine: ChannelAffine, soleUse: (n: Node) => boolean, dataOf: (n: Node) => TensorData | undefined): Fold | undefined {
  let x = norm.inputs[0]!;
  let biasAdd: Node | undefined;
  let bias: Node | undefined;
  if (x.op === 'add' && soleUse(x)) {
    const side = x.inputs.findIndex((i) => channelProductOf(i) !== undefined);
    const other = x.inputs[1 - side];
    if (side >= 0 && other && dataOf(other) && sameShape(other.type.shape, [x.type.shape.at(-1)!]) && sameShape(x.type.shape, x.inputs[side]!.type.shape)) {
      biasAdd = x;
      bias = other;
      x = x.inputs[side]!;
    }
  }
  const channels = channelProductOf(x);
  if (!channels || !soleUse(x)) return undefined;
  const kernel = x.inputs[1]!;
  const ownBias = channels.biasOperand === undefined ? undefined : x.inputs[channels.biasOperand];
  // Both biases would need folding; the fuse pass never makes such a product before this runs.
  if (biasAdd && ownBias) return undefined;
  bias ??= ownBias;
  if (!dataOf(kernel) || (ownBias && !dataOf(ownBias)) || channelCount(kernel.type.shape, channels.kernelAxes) !== affine.scale.length) return undefined;
  return { product: x, channels, norm, affine, ...(biasAdd ? { biasAdd } : {}), ...(bias ? { bias } : {}) };
}

/** The operands with operand i replaced. */
const replaced = (operands: readonly Node[], i: number, by: Node): Node[] => operands.map((o, j) => (j === i ? by : o));

const channelCount = (shape: Shape, axes: readonly number[]) => axes.reduce((p, a) => p * (shape[a] ?? NaN), 1);

/** The kernel with every element of output channel c (its flattened index over `axes`) times scale[c]. */
function scaledKernel(kernel: TensorData, shape: Shape, axes: readonly number[], scale: Float64Array): Float32Array {
  const inner = shape.slice(axes.at(-1)! + 1).reduce<number>((p, d) => p * d!, 1);
  return Float32Array.from(kernel, (v, i) => v * scale[Math.floor(i / inner) % scale.length]!);
}

const foldedBias = (bias: TensorData | undefined, scale: Float64Array, shift: Float64Array) =>
  Float32Array.from(shift, (t, c) => (bias ? bias[c]! * scale[c]! : 0) + t);
