import { activationAttrs, denseActivation, denseOperandsOf } from '../../../ir/ops/dense.js';
import { opRegistry } from '../../../ir/ops/index.js';
import type binaryen from 'binaryen';
import type { Node } from '../../../ir/graph.js';
import type { KernelContext } from '../context.js';
import { constantB, emitGemm, emitPackPanels, rowMajor, rowsAreBlocks, rowsTimesB, sharedPanels, stagingBytes, withStaging, type GemmSpec } from '../gemm.js';
import { isVectorizable } from '../scalar-codegen.js';
import type { ScalarExpr } from '../../../ir/scalar-expr.js';
import { emitElementwise } from './elementwise.js';
import type { WasmKernel } from './kernel.js';
import { emitSoftmax } from './softmax.js';

/**
 * Fused dense: the GEMM with the bias in its accumulators and the residual added before the
 * store. w and b may be constants (packed at compile time) or computed. A computed w is packed
 * into scratch at run time, which the products that read the same w share (sharedPanels): with
 * one product, when there are rows enough (else it is read in place); with several (a weight of
 * an unrolled recurrent step in training), always, by the first, for all of them. An
 * activation wasm can compute in f32x4 (relu, leaky_relu, ...) runs on the accumulators; others
 * (sigmoid, softmax, ...) run in place over the stored rows, in f64 like the interpreter, and
 * then the residual follows them in a pass of its own.
 */
export const denseKernel: WasmKernel = {
  // x's rows may be a split piece's blocks (an unrolled sequence's step, say).
  readsBlocks: (node, operand, blocks) => operand === 0 && rowsAreBlocks(denseOperandsOf(node).w.type.shape[0] as number, blocks),
  scratch(node) {
    const [k] = denseOperandsOf(node).w.type.shape as [number, number];
    return { fixedBytes: stagingBytes(k), bytesPerRow: 0 };
  },
  sharedScratch: (node) => sharedPanels(denseOperandsOf(node).w, false),
  // A residual added in the tile is read just before each element is stored, so the result may
  // take its bytes (an LSTM step's x·W + h·R: 25 % less arena per row); one added after an
  // activation pass over the stored rows would be read after it was overwritten.
  overwrites: (node) => {
    const { residual } = denseOperandsOf(node);
    return residual && epilogueActivation(node).inKernel ? node.inputs.indexOf(residual) : undefined;
  },
  emit(ctx, node) {
    const { x, w, bias, residual } = denseOperandsOf(node);
    const [k, n] = w.type.shape as [number, number];
    const gemm = (b: GemmSpec['b'], packB?: () => binaryen.ExpressionRef) =>
      emitFusedGemm(ctx, node, withStaging(ctx, { ...rowsTimesB(ctx, x, b, k, n, node), ...(packB ? { packB } : {}) }, 0), bias, residual);
    const constant = constantB(w);
    if (constant) return gemm(constant);
    const panels = ctx.shared();
    // Read by this product alone: packed only when there are rows enough (emitGemm's packB).
    if (panels.members === 1) return gemm(rowMajor(ctx, w, n), panels.addr);
    const product = gemm({ panels: panels.addr });
    return panels.fills ? ctx.m.block(null, [emitPackPanels(ctx, rowMajor(ctx, w, n), k, n, panels.addr), product]) : product;
  },
};

/**
 * The GEMM `product` with a fused node's epilogue (`activation` / `alpha` attributes as dense
 * declares them): the bias in the accumulators, a vectorizable activation and the residual before
 * the store, any other activation (and then the residual) in place over the stored rows.
 */
export function emitFusedGemm(ctx: KernelContext, node: Node, product: GemmSpec, bias: Node | undefined, residual: Node | undefined): binaryen.ExpressionRef {
  return emitWithEpilogue(ctx, node, residual, (epilogue, inKernel) =>
    emitGemm(ctx, {
      ...product,
      ...(bias ? { bias } : {}),
      ...(epilogue ? { epilogue } : {}),
      ...(inKernel && residual ? { residual: rowMajor(ctx, residual, product.n) } : {}),
    }),
  );
}

/**
 * A fused node's epilogue around its product: `product` gets the activation to apply in
 * registers (when it can) and whether the residual goes in the kernel too; any other activation,
 * and then the residual, follow in place over the stored result.
 */
export function emitWithEpilogue(
  ctx: KernelContext,
  node: Node,
  residual: Node | undefined,
  product: (epilogue: ScalarExpr | undefined, inKernel: boolean) => binaryen.ExpressionRef,
): binaryen.ExpressionRef {
  const { expr, inKernel } = epilogueActivation(node);
  const main = product(inKernel ? expr : undefined, inKernel);
  const out = () => ctx.addr(node);
  const shape = node.type.shape;
  const steps = [main, ...emitActivationAfter(ctx, node, inKernel)];
  if (residual && !inKernel) steps.push(emitElementwise(ctx, opRegistry.get('add')!.scalar!({}), [{ addr: out, shape }, { addr: () => ctx.addr(residual), shape }], { addr: out, shape }));
  return steps.length === 1 ? main : ctx.m.block(null, steps);
}

/**
 * A fused node's epilogue activation (`activation` / `alpha` as dense declares them): its scalar
 * math (none for linear and softmax) and whether the kernel applies it to its f32 / f32x4
 * results before the store (linear, and activations wasm computes in f32x4: relu, relu6, ...).
 */
export function epilogueActivation(node: Node): { expr: ScalarExpr | undefined; inKernel: boolean } {
  const act = denseActivation(node.attrs);
  const expr = act === 'linear' || act === 'softmax' ? undefined : opRegistry.get(act)!.scalar!(activationAttrs(node.attrs));
  return { expr, inKernel: expr === undefined ? act === 'linear' : isVectorizable(expr) };
}

/** The activation the kernel could not apply in registers, as passes in place over the stored result at `out` (in f64 like the interpreter). */
export function emitActivationAfter(ctx: KernelContext, node: Node, inKernel: boolean, out = () => ctx.addr(node), shape = node.type.shape): binaryen.ExpressionRef[] {
  const { expr } = epilogueActivation(node);
  if (denseActivation(node.attrs) === 'softmax') return [emitSoftmax(ctx, out, out, shape, -1)];
  return expr && !inKernel ? [emitElementwise(ctx, expr, [{ addr: out, shape }], { addr: out, shape })] : [];
}
