/**
 * The activations ONNX LSTM / GRU / RNN name in their `activations` attribute, as IR, with the
 * `activation_alpha` / `activation_beta` values each consumes. The lists are read in order across
 * every activation (both directions), an activation taking the next alpha / beta it uses; a value
 * the list leaves out takes the ONNX operator's default where ONNX and onnxruntime agree on one
 * (LeakyRelu, HardSigmoid, Elu). Affine, ScaledTanh and ThresholdedRelu have no default both
 * agree on (onnxruntime uses 0, the ONNX operators 1 or none), so their values must be given.
 */
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import * as s from '../../ir/scalar-expr.js';
import { ownEntry } from '../../own-keys.js';
import type { Activation } from '../layers/recurrent-cell.js';

/** A parameter's default, or `required` when the list must give it. */
type Param = number | 'required';
interface RnnActivation {
  readonly alpha?: Param;
  readonly beta?: Param;
  /** Whether nnc computes the activation exactly with this alpha. */
  readonly check?: (alpha: number) => boolean;
  readonly build: (b: GraphBuilder, v: Node, alpha: number, beta: number) => Node;
}

const ir = (op: string): RnnActivation => ({ build: (b, v) => b.op(op, [v]) });
/** An activation with no IR op of its own, as one elementwise expression of the gate block. */
const expr = (e: (alpha: number, beta: number) => s.ScalarExpr) => (b: GraphBuilder, v: Node, alpha: number, beta: number) =>
  b.op('elementwise', [v], { expr: s.printScalar(e(alpha, beta)) });

const x = s.arg(0);
/** Every activation the ONNX recurrent ops define (the spelling is matched without case, as onnxruntime does). */
const RNN_ACTIVATIONS: Readonly<Record<string, RnnActivation>> = {
  relu: ir('relu'),
  tanh: ir('tanh'),
  sigmoid: ir('sigmoid'),
  softsign: ir('softsign'),
  softplus: ir('softplus'),
  leakyrelu: { alpha: 0.01, build: (b, v, alpha) => b.op('leaky_relu', [v], { alpha }) },
  hardsigmoid: { alpha: 0.2, beta: 0.5, build: (b, v, alpha, beta) => b.op('hard_sigmoid', [v], { alpha, beta }) },
  elu: { alpha: 1, build: (b, v, alpha) => b.op('elu', [v], { alpha }) },
  // x > alpha ? x : 0 (onnxruntime and the ThresholdedRelu operator compare strictly), as
  // select(x - alpha, x, 0): the difference of two floats is 0 only when they are equal, even where
  // subnormals flush to zero, as long as alpha is not itself within 2^-100 of 0 (refused).
  thresholdedrelu: { alpha: 'required', check: (alpha) => alpha === 0 || Math.abs(alpha) >= 2 ** -100, build: expr((alpha) => s.select(s.sub(x, s.lit(alpha)), x, s.lit(0))) },
  affine: { alpha: 'required', beta: 'required', build: expr((alpha, beta) => s.add(s.mul(s.lit(alpha), x), s.lit(beta))) },
  scaledtanh: { alpha: 'required', beta: 'required', build: expr((alpha, beta) => s.mul(s.lit(alpha), s.tanh(s.mul(s.lit(beta), x)))) },
};

/** The activation names the ONNX recurrent ops take, for refusals. */
export const RNN_ACTIVATION_NAMES = 'Relu, Tanh, Sigmoid, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus';

/**
 * The activations of a node's `activations` list as cell activations, consuming `alphas` and
 * `betas` in order. A problem (an unknown name, a value missing or left over) is returned as text.
 */
export function rnnActivations(names: readonly string[], alphas: readonly number[], betas: readonly number[]): Activation[] | string {
  let [nextAlpha, nextBeta] = [0, 0];
  const out: Activation[] = [];
  for (const name of names) {
    const def = ownEntry(RNN_ACTIVATIONS, name.toLowerCase());
    if (!def) return `activation '${name}' is not one ONNX defines for recurrent ops (${RNN_ACTIVATION_NAMES})`;
    const take = (param: Param | undefined, list: readonly number[], k: number, what: string): number | string => {
      if (param === undefined) return 0;
      if (k < list.length) return list[k]!;
      return param === 'required' ? `activation '${name}' needs an activation_${what} value (it has no default onnxruntime and ONNX agree on), and the list has none left` : param;
    };
    const alpha = take(def.alpha, alphas, nextAlpha, 'alpha');
    const beta = take(def.beta, betas, nextBeta, 'beta');
    if (typeof alpha === 'string') return alpha;
    if (typeof beta === 'string') return beta;
    if (def.check && !def.check(alpha)) return `activation '${name}' with alpha ${alpha} is not supported (nnc computes it exactly for alpha 0 or |alpha| >= 2^-100)`;
    if (def.alpha !== undefined) nextAlpha++;
    if (def.beta !== undefined) nextBeta++;
    out.push((b, v) => def.build(b, v, alpha, beta));
  }
  if (nextAlpha < alphas.length || nextBeta < betas.length)
    return `activation_alpha gives ${alphas.length} and activation_beta ${betas.length} values, but the activations [${names.join(', ')}] read ${Math.min(nextAlpha, alphas.length)} and ${Math.min(nextBeta, betas.length)}`;
  return out;
}
