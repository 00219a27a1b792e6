/**
 * Keras' optimizers as IR updates: each parameter's update is an elementwise expression over the
 * weight, its gradient and its slots (moment estimates), emitted into the training-step graph.
 * Step-dependent factors (Adam's bias correction) are scalars the host computes per step.
 *
 * Defaults are Keras': adam lr 1e-3, β1 0.9, β2 0.999, ε 1e-7 (tfjs' own default ε is 1e-8).
 * Adam's update is the paper's, as tfjs and PyTorch compute it: w -= lr·m̂ / (sqrt(v̂) + ε) with
 * m̂ = m/(1-β1^t), v̂ = v/(1-β2^t). Keras adds ε to sqrt(v) instead of sqrt(v̂) (its "ε-hat"
 * form); the two differ only for gradients of magnitude ≲ ε/sqrt(1-β2^t), yet there by far more
 * than float rounding, and nnc's updates are checked against tfjs's to 1e-6. sgd lr 0.01, momentum 0, nesterov false; rmsprop lr 1e-3, ρ 0.9,
 * momentum 0, ε 1e-7 (Keras 3: w -= lr · g / sqrt(v + ε)).
 */
import { NncError } from '../errors.js';
import type { CompileConfig } from '../frontend/training-config.js';
import type { GraphBuilder } from '../ir/builder.js';
import type { Node } from '../ir/graph.js';
import { boolOption, numberOption, resolveName } from './config-names.js';
import { isSchedule, type LearningRateSchedule } from './schedules.js';

export interface ParamUpdate {
  readonly weight: Node;
  /** New slot values, in the order of `slots`. */
  readonly slots: readonly Node[];
}

export interface Optimizer {
  readonly name: 'adam' | 'sgd' | 'rmsprop';
  /** Per-parameter state tensors (same shape as the parameter, zero-initialized). */
  readonly slots: readonly string[];
  /**
   * Scalar step inputs, in this order; their values for step t (1-based) at learning rate `lr`
   * come from `scalarsAt`. The learning rate is always among them, so schedules and callbacks
   * change it between steps without recompiling.
   */
  readonly scalars: readonly string[];
  scalarsAt(step: number, lr: number): number[];
  /** The learning rate as given: a number, or a schedule of the step count. */
  readonly learningRate: number | LearningRateSchedule;
  /** Emits the update of one parameter. `scalars` are the step-input nodes, as named by `scalars`. */
  update(b: GraphBuilder, weight: Node, grad: Node, slots: readonly Node[], scalars: readonly Node[]): ParamUpdate;
  /** Hyper-parameters as resolved (for logs and the tfjs export). */
  readonly config: Readonly<Record<string, number | boolean>>;
}

const ew = (b: GraphBuilder, inputs: Node[], expr: string) => b.op('elementwise', inputs, { expr });

/** `learningRate`: a number (camelCase or snake_case key) or a schedule. */
function learningRateOption(options: Readonly<Record<string, unknown>>, fallback: number): number | LearningRateSchedule {
  const given = options.learningRate ?? options.learning_rate;
  return isSchedule(given) ? given : numberOption(options, 'learningRate', fallback);
}

/** The learning rate a schedule starts at (for logs and the tfjs export's config). */
const initialRate = (lr: number | LearningRateSchedule) => (typeof lr === 'number' ? lr : lr.at(0));

export function adam(options: Readonly<Record<string, unknown>> = {}): Optimizer {
  const lr = learningRateOption(options, 1e-3);
  const beta1 = numberOption(options, 'beta1', 0.9);
  const beta2 = numberOption(options, 'beta2', 0.999);
  const epsilon = numberOption(options, 'epsilon', 1e-7);
  return {
    name: 'adam',
    slots: ['m', 'v'],
    // Bias corrections: lr/(1-β1^t) and 1/(1-β2^t).
    scalars: ['lr_m', 'scale_v'],
    scalarsAt: (t, rate) => [rate / (1 - Math.pow(beta1, t)), 1 / (1 - Math.pow(beta2, t))],
    learningRate: lr,
    update(b, w, g, [m, v], [lrM, scaleV]) {
      const m1 = ew(b, [m!, g], `add(mul($0,${beta1}),mul($1,${1 - beta1}))`);
      const v1 = ew(b, [v!, g], `add(mul($0,${beta2}),mul(mul($1,$1),${1 - beta2}))`);
      const w1 = ew(b, [w, m1, v1, lrM!, scaleV!], `sub($0,div(mul($3,$1),add(sqrt(mul($2,$4)),${epsilon})))`);
      return { weight: w1, slots: [m1, v1] };
    },
    config: { learningRate: initialRate(lr), beta1, beta2, epsilon },
  };
}

export function sgd(options: Readonly<Record<string, unknown>> = {}): Optimizer {
  const lr = learningRateOption(options, 0.01);
  const momentum = numberOption(options, 'momentum', 0);
  const nesterov = boolOption(options, 'nesterov', false);
  return {
    name: 'sgd',
    slots: momentum === 0 ? [] : ['momentum'],
    scalars: ['lr'],
    scalarsAt: (_t, rate) => [rate],
    learningRate: lr,
    update(b, w, g, [velocity], [rate]) {
      if (momentum === 0) return { weight: ew(b, [w, g, rate!], 'sub($0,mul($1,$2))'), slots: [] };
      // Keras: v = μ·v - lr·g; w += v (nesterov: w += μ·v - lr·g).
      const v1 = ew(b, [velocity!, g, rate!], `sub(mul($0,${momentum}),mul($1,$2))`);
      const w1 = nesterov ? ew(b, [w, v1, g, rate!], `add($0,sub(mul($1,${momentum}),mul($2,$3)))`) : b.op('add', [w, v1]);
      return { weight: w1, slots: [v1] };
    },
    config: { learningRate: initialRate(lr), momentum, nesterov },
  };
}

export function rmsprop(options: Readonly<Record<string, unknown>> = {}): Optimizer {
  const lr = learningRateOption(options, 1e-3);
  const rho = numberOption(options, 'rho', 0.9);
  const momentum = numberOption(options, 'momentum', 0);
  const epsilon = numberOption(options, 'epsilon', 1e-7);
  if (boolOption(options, 'centered', false)) throw new NncError('NNC5005', 'rmsprop with centered: true is not supported yet');
  return {
    name: 'rmsprop',
    slots: momentum === 0 ? ['velocity'] : ['velocity', 'momentum'],
    scalars: ['lr'],
    scalarsAt: (_t, rate) => [rate],
    learningRate: lr,
    update(b, w, g, [velocity, mom], [rate]) {
      const v1 = ew(b, [velocity!, g], `add(mul($0,${rho}),mul(mul($1,$1),${1 - rho}))`);
      const increment = ew(b, [g, v1, rate!], `div(mul($0,$2),sqrt(add($1,${epsilon})))`);
      if (momentum === 0) return { weight: b.op('sub', [w, increment]), slots: [v1] };
      const m1 = ew(b, [mom!, increment], `add(mul($0,${momentum}),$1)`);
      return { weight: b.op('sub', [w, m1]), slots: [v1, m1] };
    },
    config: { learningRate: initialRate(lr), rho, momentum, epsilon },
  };
}

const OPTIMIZERS = { adam, sgd, rmsprop } as const;
const ALIASES: Record<string, keyof typeof OPTIMIZERS> = { adam: 'adam', sgd: 'sgd', rmsprop: 'rmsprop' };

/** From compile()'s `optimizer`: a name, or `{ name, learningRate, ... }`. */
export function resolveOptimizer(config: CompileConfig['optimizer'], overrides: Readonly<Record<string, unknown>> = {}): Optimizer {
  const options: Record<string, unknown> = typeof config === 'string' ? {} : { ...config };
  const name = resolveName('optimizer', typeof config === 'string' ? config : config.name, ALIASES);
  return OPTIMIZERS[name]({ ...options, ...overrides });
}
