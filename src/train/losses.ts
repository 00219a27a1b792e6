/**
 * Keras' losses as IR: each turns predictions and labels into the batch-mean loss (Keras'
 * `sum_over_batch_size` reduction). Probability inputs are clipped to [ε, 1-ε] with Keras'
 * ε = 1e-7 before the log, exactly as tf.keras / tfjs do, so the gradient through a clipped
 * probability is zero there, too.
 */
import type { LossArg } from '../frontend/training-config.js';
import type { GraphBuilder } from '../ir/builder.js';
import type { Node } from '../ir/graph.js';
import type { TensorType } from '../ir/types.js';
import { boolOption, resolveName } from './config-names.js';

export type LossName = 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError';

export interface LossSpec {
  readonly name: LossName;
  /** Predictions are logits (no softmax / sigmoid applied), as Keras' `from_logits`. */
  readonly fromLogits: boolean;
}

export const EPSILON = 1e-7;

const LOSS_ALIASES: Record<string, LossName> = {
  sparsecategoricalcrossentropy: 'sparseCategoricalCrossentropy',
  categoricalcrossentropy: 'categoricalCrossentropy',
  binarycrossentropy: 'binaryCrossentropy',
  meansquarederror: 'meanSquaredError',
  mse: 'meanSquaredError',
};

export function resolveLoss(loss: LossArg): LossSpec {
  const options: Record<string, unknown> = typeof loss === 'string' ? {} : loss;
  const name = resolveName('loss', typeof loss === 'string' ? loss : loss.name, LOSS_ALIASES);
  return { name, fromLogits: boolOption(options, 'fromLogits', false) };
}

/** The label tensor a loss expects for a prediction: class indices drop the class axis. */
export function labelType(spec: LossSpec, prediction: TensorType): TensorType {
  const shape = spec.name === 'sparseCategoricalCrossentropy' ? prediction.shape.slice(0, -1) : prediction.shape;
  return { dtype: 'f32', shape };
}

const clip = `max(min($0,${1 - EPSILON}),${EPSILON})`;

/** Per-example loss (last axis reduced). */
function perExample(b: GraphBuilder, spec: LossSpec, pred: Node, labels: Node): Node {
  const ew = (inputs: Node[], expr: string) => b.op('elementwise', inputs, { expr });
  const sumLast = (x: Node) => b.op('reduce_sum', [x], { axes: [-1] });
  const meanLast = (x: Node) => b.op('reduce_mean', [x], { axes: [-1] });
  switch (spec.name) {
    case 'sparseCategoricalCrossentropy':
    case 'categoricalCrossentropy': {
      const classes = pred.type.shape[pred.type.shape.length - 1] as number;
      const target = spec.name === 'sparseCategoricalCrossentropy' ? b.op('one_hot', [labels], { depth: classes }) : labels;
      if (spec.fromLogits) return sumLast(ew([target, b.op('log_softmax', [pred])], 'neg(mul($0,$1))'));
      // tfjs order: clip, renormalize rows to sum 1, clip again, then -Σ y·log p.
      const clipped = ew([pred], clip);
      const normalized = b.op('div', [clipped, b.op('reduce_sum', [clipped], { axes: [-1], keepdims: true })]);
      return sumLast(ew([target, normalized], `neg(mul($0,log(${clip.replaceAll('$0', '$1')})))`));
    }
    case 'binaryCrossentropy':
      if (spec.fromLogits) return meanLast(ew([pred, labels], 'add(sub(max($0,0),mul($0,$1)),log(add(1,exp(neg(abs($0))))))'));
      return meanLast(
        ew([ew([pred], clip), labels], 'neg(add(mul($1,log($0)),mul(sub(1,$1),log(sub(1,$0)))))'),
      );
    case 'meanSquaredError':
      return meanLast(ew([pred, labels], 'mul(sub($0,$1),sub($0,$1))'));
  }
}

/** The scalar batch-mean loss. */
export function lossNode(b: GraphBuilder, spec: LossSpec, pred: Node, labels: Node): Node {
  return b.op('reduce_mean', [perExample(b, spec, pred, labels)], { axes: [] });
}
