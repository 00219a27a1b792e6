import { activationAttrs, denseActivation } from '../../../ir/ops/dense.js';
import { opRegistry } from '../../../ir/ops/index.js';
import { emitGemm } from '../gemm.js';
import { isVectorizable } from '../scalar-codegen.js';
import { emitElementwise } from './elementwise.js';
import type { WasmKernel } from './kernel.js';
import { emitSoftmax } from './softmax.js';

/**
 * Fused dense: the GEMM with the bias in its accumulators. An activation wasm can compute in
 * f32x4 (relu, leaky_relu, ...) runs on the accumulators before the store; others (sigmoid,
 * softmax, ...) run in place over the stored rows, in f64 like the interpreter.
 */
export const denseKernel: WasmKernel = {
  emit(ctx, node) {
    const [x, w, bias] = node.inputs;
    const act = denseActivation(node.attrs);
    const expr = act === 'linear' || act === 'softmax' ? undefined : opRegistry.get(act)!.scalar!(activationAttrs(node.attrs));
    const inTile = expr !== undefined && isVectorizable(expr);
    const gemm = emitGemm(ctx, { x: x!, w: w!, ...(bias ? { bias } : {}), ...(inTile ? { epilogue: expr } : {}), out: node });
    const out = () => ctx.addr(node);
    const shape = node.type.shape;
    if (act === 'softmax') return ctx.m.block(null, [gemm, emitSoftmax(ctx, out, out, shape, -1)]);
    if (expr && !inTile) return ctx.m.block(null, [gemm, emitElementwise(ctx, expr, [{ addr: out, shape }], { addr: out, shape })]);
    return gemm;
  },
};

