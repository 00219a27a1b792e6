/**
 * compile() arguments resolved per model output, as Keras does for models with several outputs:
 * `loss` is one loss for every output, a list (one per output) or an object keyed by output name;
 * `lossWeights` a list or an object (default 1); `metrics` a flat list (every output gets each),
 * a list of lists, or an object of a name or list per output. The total loss is Σ weight · loss.
 *
 * Logged values follow Keras 2: a one-output model logs `loss` and its metric names; a model with
 * several outputs logs `loss`, then `<output>_loss` for each output (unweighted), then
 * `<output>_<metric>` for each output's metrics.
 */
import { NncError } from '../errors.js';
import type { CompileConfig, LossArg } from '../frontend/training-config.js';
import type { Graph } from '../ir/graph.js';
import { ownEntry } from '../own-keys.js';
import { resolveLoss, type LossSpec } from './losses.js';
import { resolveMetrics, type MetricSpec } from './metrics.js';

export interface OutputTraining {
  /** The model output's name. */
  readonly output: string;
  readonly loss: LossSpec;
  readonly weight: number;
  readonly metrics: readonly MetricSpec[];
  /** The log key of this output's own loss (several outputs only). */
  readonly lossLog?: string;
  /** The log key of each metric, in order. */
  readonly metricLogs: readonly string[];
}

export interface TrainingSpec {
  readonly outputs: readonly OutputTraining[];
}

/** The logged values after `loss`, in Keras' order: output losses, then each output's metrics. */
export function logNames(spec: TrainingSpec): string[] {
  return [...spec.outputs.flatMap((o) => (o.lossLog ? [o.lossLog] : [])), ...spec.outputs.flatMap((o) => o.metricLogs)];
}

const usage = (detail: string, hint: string) => new NncError('NNC5005', `compile(): ${detail}`, { hint });

/**
 * Picks the value for each output from one value, a list in output order, or an object keyed by
 * output name (every key must name an output; missing outputs get `fallback`).
 */
function perOutput<T>(what: string, value: T | readonly T[] | Readonly<Record<string, T>> | undefined, outputs: readonly string[], isSingle: (v: unknown) => v is T, fallback?: T): T[] {
  if (value === undefined) {
    if (fallback === undefined) throw usage(`${what} is missing`, `Give ${what} for each of the outputs ${outputs.join(', ')}.`);
    return outputs.map(() => fallback);
  }
  if (isSingle(value)) return outputs.map(() => value);
  if (Array.isArray(value)) {
    if (value.length !== outputs.length)
      throw usage(`${what} lists ${value.length} value(s) for ${outputs.length} output(s)`, `Give one per output, in order: ${outputs.join(', ')}; or an object keyed by output name.`);
    return [...(value as readonly T[])];
  }
  const byName = value as Readonly<Record<string, T>>;
  for (const key of Object.keys(byName))
    if (!outputs.includes(key)) throw usage(`${what} names '${key}', which is not an output of the model`, `The outputs are: ${outputs.join(', ')}.`);
  return outputs.map((o) => {
    const v = ownEntry(byName, o);
    if (v !== undefined) return v;
    if (fallback === undefined) throw usage(`${what} has no entry for output '${o}'`, `Add '${o}' to the object, or give one ${what} for all outputs.`);
    return fallback;
  });
}

const isLoss = (v: unknown): v is LossArg => typeof v === 'string' || (typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as { name?: unknown }).name === 'string');
const isWeight = (v: unknown): v is number => typeof v === 'number';
const isName = (v: unknown): v is string => typeof v === 'string';
const isNameList = (v: unknown): v is readonly string[] => Array.isArray(v) && v.every(isName);

/** Per-output metric names: a flat list applies to every output (Keras 2). */
function metricNames(metrics: CompileConfig['metrics'], outputs: readonly string[]): (readonly string[])[] {
  if (metrics === undefined) return outputs.map(() => []);
  if (isNameList(metrics)) return outputs.map(() => metrics);
  const lists = perOutput<string | readonly string[]>('metrics', metrics as readonly (string | readonly string[])[] | Readonly<Record<string, string | readonly string[]>>, outputs, (v): v is never => false, []);
  return lists.map((m) => (typeof m === 'string' ? [m] : m));
}

export function resolveTrainingSpec(model: Graph, config: CompileConfig): TrainingSpec {
  const names = model.outputs.map((o) => o.name);
  const losses = perOutput<LossArg>('loss', config.loss, names, isLoss);
  const weights = perOutput<number>('lossWeights', config.lossWeights, names, isWeight, 1);
  const metrics = metricNames(config.metrics, names);
  const several = names.length > 1;
  return {
    outputs: model.outputs.map((o, i) => {
      if (!Number.isFinite(weights[i]!)) throw usage(`lossWeights for output '${o.name}' is ${weights[i]}`, 'Loss weights must be finite numbers.');
      const loss = resolveLoss(losses[i]!);
      const lastDim = o.node.type.shape.at(-1);
      const resolved = resolveMetrics(metrics[i], loss, typeof lastDim === 'number' ? lastDim : 1);
      return {
        output: o.name,
        loss,
        weight: weights[i]!,
        metrics: resolved,
        ...(several ? { lossLog: `${o.name}_loss` } : {}),
        metricLogs: resolved.map((m) => (several ? `${o.name}_${m.name}` : m.name)),
      };
    }),
  };
}
