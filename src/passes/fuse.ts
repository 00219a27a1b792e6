/**
 * Fusion: fewer, bigger kernels, so intermediates never reach memory.
 * - Dense: matmul (+ bias add of a [n] vector) (+ activation) (+ residual add) becomes one
 *   `dense` node, its bias, activation and residual applied in the kernel's epilogue. Every matmul
 *   of rows by a [k, n] matrix becomes a dense, whether the matrix is a weight or computed (a
 *   training graph's weights are inputs), so backends need one GEMM kernel; a stack of matrices
 *   stays a matmul. Activations: softmax over the last axis and every unary elementwise op
 *   (elu / leaky_relu keep their `alpha`). A residual is an operand of the dense's exact type
 *   added after the activation (Keras' `Add()([Dense(...)(x), x])`); not after a softmax, which
 *   backends run as a pass of its own.
 * - Conv2d, depthwise_conv2d (any op with the `epilogue` trait): the op (+ bias add of a vector
 *   over its last axis) (+ activation) becomes one node, by the same rules as dense; an op that
 *   also has a `residual` attribute (conv2d) absorbs a residual add too (a ResNet block's
 *   `Add()([Conv2D(...)(x), x])`).
 * - Pooling into conv2d: max_pool2d / avg_pool2d (any op with the `pooling` trait) of a conv2d
 *   (any epilogue host declaring a `pool` attribute) that nothing else reads becomes the conv's
 *   `pool` epilogue, after its bias and activation: the kernel pools conv tiles while they are in
 *   cache instead of writing the whole activation and reading it back (training graphs keep the
 *   pooling, whose gradient reads the unpooled value).
 * - Flatten into dense: a dense whose operand is a rank-2 reshape (a per-row flatten) reads the
 *   reshape's operand directly, since dense reads its operand as rows of k contiguous elements
 *   either way; the reshape disappears when nothing else reads it.
 * - Into a max pooling's gradient: an elementwise consumer of the routed gradient whose other
 *   operands are the pooling's x (relu's derivative, in a training step) becomes the gradient's
 *   per-cell epilogue, when the windows tile x.
 * - Elementwise chains: an elementwise op whose operand is produced by another elementwise op of
 *   the same type becomes one `elementwise` node, the scalar expressions composed by substitution.
 *   Broadcast operands (a bias [n] beside [?,n]) become extra operands of the fused node. Not
 *   fused in, as that would repeat work: a producer smaller than its consumer (it would be
 *   recomputed per element), or one of several calls that the consumer reads more than once
 *   (substitution would copy it per reference: tanh(x) into swish would be computed twice).
 * A producer is absorbed only if its consumer is its sole use (a value read twice, or a graph
 * output, must stay in memory anyway). Remaining reshapes are views and cost nothing. Absorbed
 * nodes are swept by DCE at the end of the pass; each fused node's origin (Node.origin) lists
 * the source nodes it absorbed, for the build report.
 *
 *   before                                               after
 *   %0 = reshape %x {shape=[784]} : f32[?,784]           %0 = dense %x, %k, %b {activation="relu"} : f32[?,128]
 *   %1 = matmul %0, %k : f32[?,128]                      output "y" = %0
 *   %2 = add %1, %b : f32[?,128]
 *   %3 = relu %2 : f32[?,128]
 *   output "y" = %3
 */
import { isDefault, withDefaults } from '../ir/attrs.js';
import { rebuild, type GraphBuilder } from '../ir/builder.js';
import type { Attrs, Graph, Node } from '../ir/graph.js';
import { denseActivation } from '../ir/ops/dense.js';
import { opRegistry } from '../ir/ops/index.js';
import { normalizeAxis } from '../ir/ops/softmax.js';
import { ShapeError } from '../ir/registry.js';
import { arg, printScalar, substitute, type ScalarExpr } from '../ir/scalar-expr.js';
import { poolGradientEpilogue } from '../ir/ops/max_pool2d_grad.js';
import { epiloguePool, epiloguePoolAttrs, poolGeometry, windowsTile } from '../ir/ops/pool-helpers.js';
import { hasEpilogue, isElementwiseOp, opTraits } from '../ir/traits.js';
import { isRowsTimesMatrix } from '../ir/ops/matmul.js';
import { sameShape, sameType, type TensorType } from '../ir/types.js';
import { eliminateDeadCode } from './dce.js';

/**
 * A rewrite sees the original node (whose operands and use counts describe the source graph) and
 * the rebuilt operands (already fused); it returns the replacement or undefined.
 */
type Rewrite = (node: Node, inputs: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean) => Node | undefined;

const REWRITES: readonly Rewrite[] = [matmulToDense, absorbBias, absorbActivation, absorbResidual, absorbPool, fuseElementwiseIntoPoolGradient];

export function fuse(graph: Graph): Graph {
  const uses = graph.useCounts();
  const soleUse = (operand: Node) => uses.get(operand) === 1;
  const fused = rebuild(graph, (node, inputs, b) => {
    for (const rewrite of REWRITES) {
      const out = rewrite(node, inputs, b, soleUse);
      if (out) return out;
    }
    return undefined;
  });
  return eliminateDeadCode(fused);
}

/** matmul -> dense; a dense (or matmul) reading a per-row flatten reads the flatten's operand. */
function matmulToDense(node: Node, inputs: readonly Node[], b: GraphBuilder): Node | undefined {
  if (node.op !== 'matmul' && node.op !== 'dense') return undefined;
  if (node.op === 'matmul' && !isRowsTimesMatrix(inputs[0]!.type, inputs[1]!.type)) return undefined;
  const [x, ...rest] = inputs as [Node, ...Node[]];
  const unflattened = x.op === 'reshape' && !x.attrs.whole && x.type.shape.length === 2 ? x.inputs[0]! : undefined;
  const attrs = node.op === 'dense' ? node.attrs : withDefaults(opRegistry.get('dense')!, {});
  const flatType = unflattened && denseType([unflattened, ...rest], attrs);
  if (unflattened && flatType && sameType(flatType, node.type)) return b.absorb(b.raw('dense', [unflattened, ...rest], attrs, node.type), x);
  return node.op === 'matmul' ? b.raw('dense', inputs, attrs, node.type) : undefined;
}

/** add(dense(x, w), b[n]) in either operand order -> dense(x, w, b); the same for conv2d. */
function absorbBias(node: Node, inputs: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean): Node | undefined {
  if (node.op !== 'add') return undefined;
  for (const side of [0, 1]) {
    const product = inputs[side]!;
    const bias = inputs[1 - side]!;
    const n = product.type.shape[product.type.shape.length - 1];
    const fits =
      isPlainProduct(product) &&
      product.inputs.length === 2 &&
      soleUse(node.inputs[side]!) &&
      sameShape(bias.type.shape, [n ?? -1]) &&
      sameType(product.type, node.type) &&
      bias.type.dtype === node.type.dtype;
    if (fits) return b.absorb(b.raw(product.op, [...product.inputs, bias], product.attrs, node.type), product);
  }
  return undefined;
}

/**
 * activation(dense(...)) -> dense(...) {activation}, the same for conv2d; an `alpha` other than
 * the activation's default goes along (the product's alpha = 0 stands for the activation's default).
 */
function absorbActivation(node: Node, inputs: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean): Node | undefined {
  const product = inputs[0]!;
  if (!isEpilogueActivation(node) || !isPlainProduct(product) || !soleUse(node.inputs[0]!)) return undefined;
  const alphaSpec = opRegistry.get(node.op)!.attrs.alpha;
  const alpha = node.attrs.alpha;
  const own: Attrs = alphaSpec && alpha !== undefined && !isDefault(alphaSpec, alpha) ? { alpha } : {};
  return b.absorb(b.raw(product.op, product.inputs, { ...product.attrs, activation: node.op, ...own }, node.type), product);
}

/** add(dense(...), r) in either operand order, r of the dense's type -> dense(..., r) {residual}; the same for any epilogue host with a `residual` attribute. */
function absorbResidual(node: Node, inputs: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean): Node | undefined {
  if (node.op !== 'add') return undefined;
  for (const side of [0, 1]) {
    const product = inputs[side]!;
    const residual = inputs[1 - side]!;
    const fits =
      hasEpilogue(product.op) &&
      opRegistry.get(product.op)!.attrs.residual !== undefined &&
      product.attrs.residual !== true &&
      !isPooled(product) &&
      denseActivation(product.attrs) !== 'softmax' &&
      soleUse(node.inputs[side]!) &&
      sameType(residual.type, product.type) &&
      sameType(product.type, node.type);
    if (fits) return b.absorb(b.raw(product.op, [...product.inputs, residual], { ...product.attrs, residual: true }, node.type), product);
  }
  return undefined;
}

/**
 * pooling(conv2d(...)) -> conv2d(...) {pool}: a pooling op (the `pooling` trait) of an epilogue
 * host whose op declares a `pool` attribute pools in the host's epilogue, after its bias and
 * activation, when nothing else reads the unpooled value (a training graph's pooling gradient
 * does, so there it stays). Not after a residual or a softmax, which the epilogue applies last.
 */
function absorbPool(node: Node, inputs: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean): Node | undefined {
  const product = inputs[0]!;
  const fits =
    opTraits(node.op).pooling !== undefined &&
    hasEpilogue(product.op) &&
    opRegistry.get(product.op)!.attrs.pool !== undefined &&
    !isPooled(product) &&
    product.attrs.residual !== true &&
    denseActivation(product.attrs) !== 'softmax' &&
    soleUse(node.inputs[0]!);
  return fits ? b.absorb(b.raw(product.op, product.inputs, { ...product.attrs, ...epiloguePoolAttrs(node.op, node.attrs) }, node.type), product) : undefined;
}

/** fuseElementwise, then the composed consumer into the pooling gradient it reads, if it fits (absorbIntoPoolGradient). */
function fuseElementwiseIntoPoolGradient(node: Node, inputs: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean): Node | undefined {
  const composed = fuseElementwise(node, inputs, b, soleUse);
  return absorbIntoPoolGradient(node, composed ?? node, composed ? composed.inputs : inputs, b, soleUse) ?? composed;
}

/**
 * consumer(x, max_pool2d_grad(x, dy)) -> max_pool2d_grad(x, dy) {epilogue}: an elementwise consumer
 * of the routed gradient whose other operands are the pooling's own x (relu's derivative after
 * the pooling of a conv's relu: mul($1, select($0, 1, 0))) applies per cell as the kernel stores,
 * when the windows tile x (the kernel then stores every cell once). The consumer's pass over
 * memory, reading x and the gradient and writing the result, is gone. `node` is the source
 * consumer (for use counts), `consumer` its rebuilt form (perhaps already a fused chain).
 */
function absorbIntoPoolGradient(node: Node, consumer: Node, operands: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean): Node | undefined {
  const expr = scalarOf(consumer);
  const source = node.inputs.find((p) => p.op === 'max_pool2d_grad');
  const grad = operands.find((p) => p.op === 'max_pool2d_grad');
  if (!expr || !source || !grad || !soleUse(source) || !keepsDtype(consumer) || !sameType(grad.type, consumer.type) || poolGradientEpilogue(grad.attrs)) return undefined;
  const x = grad.inputs[0]!;
  if (!operands.every((p) => p === grad || p === x) || !windowsTile(poolGeometry(x.type, grad.attrs))) return undefined;
  const epilogue = substitute(expr, operands.map((p) => arg(p === grad ? 1 : 0)));
  return b.absorb(b.raw('max_pool2d_grad', grad.inputs, { ...grad.attrs, epilogue: printScalar(epilogue) }, consumer.type), grad, consumer);
}

/** Composes elementwise producers into their sole elementwise consumer. */
function fuseElementwise(node: Node, inputs: readonly Node[], b: GraphBuilder, soleUse: (operand: Node) => boolean): Node | undefined {
  const consumer = scalarOf(node);
  if (!consumer || !keepsDtype(node)) return undefined;
  const fusible = inputs.map((p, i) => {
    const producer = scalarOf(p);
    if (!producer || !keepsDtype(p) || !soleUse(node.inputs[i]!) || !sameType(p.type, node.type)) return false;
    // Substitution copies the producer once per reference: only a one-call producer may be copied.
    return argReferences(consumer, i) <= 1 || callCount(producer) <= 1;
  });
  if (!fusible.includes(true)) return undefined;
  const operands: Node[] = [];
  const argOf = (v: Node): ScalarExpr => {
    if (!operands.includes(v)) operands.push(v);
    return arg(operands.indexOf(v));
  };
  const replacements = inputs.map((p, i) => (fusible[i] ? substitute(scalarOf(p)!, p.inputs.map(argOf)) : argOf(p)));
  const fused = b.raw('elementwise', operands, { expr: printScalar(substitute(consumer, replacements)) }, node.type);
  return b.absorb(fused, ...inputs.filter((_, i) => fusible[i]));
}

/**
 * Operands and result of one dtype: only such nodes fuse, so a fused `elementwise` computes in
 * one dtype and comparisons and casts stay nodes of their own (no fusion across a dtype change).
 */
function keepsDtype(n: Node): boolean {
  return n.inputs.every((i) => i.type.dtype === n.type.dtype);
}

/** An epilogue host (dense, conv2d, ...) with nothing after its product yet: a bias or an activation may still be absorbed. */
function isPlainProduct(n: Node): boolean {
  return hasEpilogue(n.op) && denseActivation(n.attrs) === 'linear' && n.attrs.residual !== true && !isPooled(n);
}

/** An epilogue host that already pools its result: nothing more may follow in its epilogue. */
function isPooled(n: Node): boolean {
  return epiloguePool(n.attrs) !== undefined;
}

/** Ops a dense epilogue can apply: softmax over the last axis, unary elementwise ops. */
function isEpilogueActivation(n: Node): boolean {
  if (n.op === 'softmax') return normalizeAxis(n.attrs.axis as number, n.type.shape.length) === n.type.shape.length - 1;
  const def = opRegistry.get(n.op)!;
  if (!isElementwiseOp(n.op) || def.arity !== 1) return false;
  // The dense carries only `alpha` of its activation, and reads alpha = 0 as "use the op's
  // default", so an explicit 0 cannot be carried over; every other attribute must be its default.
  return Object.entries(n.attrs).every(([k, v]) => (k === 'alpha' ? v !== 0 : isDefault(def.attrs[k]!, v)));
}

function scalarOf(n: Node): ScalarExpr | undefined {
  return opRegistry.get(n.op)?.scalar?.(n.attrs);
}

function argReferences(e: ScalarExpr, index: number): number {
  if (e.kind === 'arg') return e.index === index ? 1 : 0;
  return e.kind === 'call' ? e.args.reduce((n, a) => n + argReferences(a, index), 0) : 0;
}

function callCount(e: ScalarExpr): number {
  return e.kind === 'call' ? 1 + e.args.reduce((n, a) => n + callCount(a), 0) : 0;
}

function denseType(inputs: readonly Node[], attrs: Attrs): TensorType | undefined {
  try {
    return opRegistry.get('dense')!.inferType(
      inputs.map((i) => i.type),
      attrs,
    );
  } catch (e) {
    if (e instanceof ShapeError) return undefined;
    throw e;
  }
}
