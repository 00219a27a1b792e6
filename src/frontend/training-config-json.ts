/**
 * compile() settings in a model.json, as tfjs saves them (`trainingConfig`, which
 * `tf.loadLayersModel` compiles the loaded model with) and Keras' converter writes them
 * (`modelTopology.training_config`): losses and metrics by name, and the optimizer as
 * `{ class_name, config }`. `nnc train` writes them when tfjs can read them back, so `nnc evaluate`
 * of a saved model knows its loss and metrics; the importer reads them from either source.
 */
import { NncError } from '../errors.js';
import { resolveOptimizer } from '../train/optimizers.js';
import type { CompileConfig, LossArg } from './training-config.js';

const camel = (key: string) => key.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A loss tfjs can name: a string, or an object with no option other than fromLogits false. */
function lossName(loss: LossArg): string | undefined {
  if (typeof loss === 'string') return loss;
  const { name, ...options } = loss;
  return Object.entries(options).every(([k, v]) => k === 'fromLogits' && v === false) ? name : undefined;
}

/**
 * The tfjs `trainingConfig` of a compile() config, or undefined when tfjs could not load it back
 * (per-output loss weights, a loss on logits, a learning-rate schedule): tf.loadLayersModel would
 * then fail, so the model is saved without one.
 */
export function trainingConfigJson(config: CompileConfig): Record<string, unknown> | undefined {
  if (config.lossWeights !== undefined) return undefined;
  const losses = config.loss;
  let loss: unknown;
  if (typeof losses === 'string' || (typeof losses === 'object' && 'name' in losses && typeof losses.name === 'string')) loss = lossName(losses as LossArg);
  else if (Array.isArray(losses)) loss = losses.map((l) => lossName(l as LossArg));
  else loss = Object.fromEntries(Object.entries(losses as Record<string, LossArg>).map(([k, l]) => [k, lossName(l)]));
  const names = typeof loss === 'object' && loss !== null ? Object.values(loss) : [loss];
  if (names.some((n) => n === undefined)) return undefined;
  const metrics = config.metrics;
  // tfjs reads metrics as names, a list of names, or an object of one name per output.
  const metricsReadable = metrics === undefined || (Array.isArray(metrics) ? metrics.every((m) => typeof m === 'string') : Object.values(metrics).every((m) => typeof m === 'string'));
  if (!metricsReadable) return undefined;
  const optimizer = resolveOptimizer(config.optimizer);
  if (typeof optimizer.learningRate !== 'number') return undefined;
  const c = optimizer.config;
  const optimizerConfig =
    optimizer.name === 'adam'
      ? { class_name: 'Adam', config: { learning_rate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon } }
      : optimizer.name === 'rmsprop'
        ? { class_name: 'RMSProp', config: { learning_rate: c.learningRate, decay: c.rho, momentum: c.momentum, epsilon: c.epsilon, centered: false } }
        : c.momentum === 0
          ? { class_name: 'SGD', config: { learning_rate: c.learningRate } }
          : { class_name: 'Momentum', config: { learning_rate: c.learningRate, momentum: c.momentum, use_nesterov: c.nesterov } };
  return { loss, ...(metrics ? { metrics } : {}), optimizer_config: optimizerConfig };
}

/** A compile() config from a model.json's training config; undefined when there is none. */
export function compileConfigFromJson(json: unknown, path: string): CompileConfig | undefined {
  if (json === undefined || json === null) return undefined;
  const bad = (detail: string) =>
    new NncError('NNC6002', `${path}: training config ${detail}`, { location: { file: path }, hint: 'Remove the training config from model.json, or write it as tfjs or Keras does.' });
  if (typeof json !== 'object' || Array.isArray(json)) throw bad('is not an object');
  const t = json as Record<string, unknown>;
  const loss = (v: unknown): LossArg => {
    if (typeof v === 'string') return v;
    // Keras writes a configured loss as { class_name, config }.
    if (typeof v === 'object' && v !== null && typeof (v as { class_name?: unknown }).class_name === 'string') {
      const { class_name: cls, config = {} } = v as { class_name: string; config?: Record<string, unknown> };
      return { name: cls, ...Object.fromEntries(Object.entries(config).filter(([k]) => k !== 'name' && k !== 'reduction').map(([k, o]) => [camel(k), o])) };
    }
    throw bad(`has a loss that is neither a name nor { class_name, config }: ${JSON.stringify(v)}`);
  };
  if (t.loss === undefined || t.loss === null) throw bad('has no loss');
  const losses =
    typeof t.loss === 'string' || (typeof t.loss === 'object' && 'class_name' in t.loss)
      ? loss(t.loss)
      : Array.isArray(t.loss)
        ? t.loss.map(loss)
        : Object.fromEntries(Object.entries(t.loss as Record<string, unknown>).map(([k, v]) => [k, loss(v)]));
  return {
    optimizer: optimizerFromJson(t.optimizer_config, bad),
    loss: losses,
    ...(t.metrics !== undefined && t.metrics !== null ? { metrics: t.metrics as CompileConfig['metrics'] } : {}),
    ...(t.loss_weights !== undefined && t.loss_weights !== null ? { lossWeights: t.loss_weights as CompileConfig['lossWeights'] } : {}),
  };
}

/** tfjs' and Keras' optimizer classes as nnc's optimizer options. */
function optimizerFromJson(value: unknown, bad: (detail: string) => NncError): CompileConfig['optimizer'] {
  if (value === undefined || value === null) return 'adam';
  const { class_name: cls, config = {} } = value as { class_name?: unknown; config?: Record<string, unknown> };
  if (typeof cls !== 'string') throw bad('has an optimizer_config without a class_name');
  const o = Object.fromEntries(Object.entries(config).map(([k, v]) => [camel(k), v]));
  if (typeof o.learningRate === 'object') throw bad(`has a learning-rate schedule (${JSON.stringify(o.learningRate)}), which nnc does not read from model.json`);
  const lr = o.learningRate === undefined ? {} : { learningRate: o.learningRate };
  switch (cls) {
    case 'Adam':
      return { name: 'adam', ...lr, ...pick(o, ['beta1', 'beta2', 'epsilon']) };
    case 'SGD':
      return { name: 'sgd', ...lr, ...pick(o, ['momentum', 'nesterov']) };
    case 'Momentum':
      return { name: 'sgd', ...lr, ...pick(o, ['momentum']), ...(o.useNesterov === undefined ? {} : { nesterov: o.useNesterov }) };
    case 'RMSProp':
      return { name: 'rmsprop', ...lr, ...pick(o, ['momentum', 'epsilon', 'centered']), ...(o.decay === undefined ? {} : { rho: o.decay }) };
    case 'RMSprop':
      return { name: 'rmsprop', ...lr, ...pick(o, ['rho', 'momentum', 'epsilon', 'centered']) };
    default:
      throw bad(`names optimizer '${cls}'; nnc trains with Adam, SGD (Momentum) and RMSprop`);
  }
}

function pick(o: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined && o[k] !== null).map((k) => [k, o[k]]));
}
