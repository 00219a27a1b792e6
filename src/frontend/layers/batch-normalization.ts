import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import { kerasInitializer, type InitializerName } from '../initializers.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { throughAxisLast } from './data-format.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The normalized (channel) axis, negative from the end: -1 (Keras' default), or 1 after channels-first layers. */
  axis?: number;
  momentum?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerName;
  gammaInitializer?: InitializerName;
  movingMeanInitializer?: InitializerName;
  movingVarianceInitializer?: InitializerName;
}

/**
 * Keras BatchNormalization along one axis: (x - mean) / sqrt(variance + epsilon) · gamma + beta.
 * Weights in Keras' order: gamma (when `scale`), beta (when `center`), moving_mean and
 * moving_variance (non-trainable). At inference it reads the moving statistics; in a training
 * step the `batch_norm` op's training form normalizes with the batch's and updates them. The op
 * normalizes the last axis, so another axis is moved last and back by transposes, which the
 * layout pass cancels against a channels-first conv's (and the batch norm then folds into it).
 */
export class BatchNormalization extends Layer {
  readonly className = 'BatchNormalization';
  readonly axis: number;
  readonly momentum: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly initializers: Record<'beta' | 'gamma' | 'movingMean' | 'movingVariance', InitializerName>;

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) this.fail('NNC1006', `axis must be one integer, got ${JSON.stringify(args.axis)}`, 'nnc normalizes along a single (channel) axis.');
    this.momentum = args.momentum ?? 0.99;
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.momentum >= 0 && this.momentum <= 1)) this.fail('NNC1006', `momentum must be in [0, 1], got ${args.momentum}`);
    if (!(this.epsilon > 0)) this.fail('NNC1006', `epsilon must be positive, got ${args.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.initializers = {
      beta: args.betaInitializer ?? 'zeros',
      gamma: args.gammaInitializer ?? 'ones',
      movingMean: args.movingMeanInitializer ?? 'zeros',
      movingVariance: args.movingVarianceInitializer ?? 'ones',
    };
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const axis = this.channelAxis(shape!.length);
    if (shape![axis] === null) this.fail('NNC2003', `needs an input with a known size along axis ${this.axis}, got ${formatKerasShape(shape!)}`);
    return shape!;
  }

  /** `axis` resolved for an input of this rank: a non-batch axis, or refused by name. */
  private channelAxis(rank: number): number {
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    if (axis < 1 || axis >= rank)
      this.fail('NNC1006', `axis ${this.axis} is not a channel axis of a rank-${rank} input`, `Use an axis in 1..${rank - 1} (or -${rank - 1}..-1); axis 0 is the batch.`);
    return axis;
  }

  protected override build([shape]: readonly Shape[]): void {
    const channels = [shape![this.channelAxis(shape!.length)] as number];
    if (this.scale) this.addWeight('gamma', channels, this.initializers.gamma);
    if (this.center) this.addWeight('beta', channels, this.initializers.beta);
    this.addWeight('moving_mean', channels, this.initializers.movingMean, false);
    this.addWeight('moving_variance', channels, this.initializers.movingVariance, false);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    const affine = weights.slice(0, weights.length - 2);
    const [mean, variance] = weights.slice(-2);
    const x = inputs[0]!;
    const rank = x.type.shape.length;
    return throughAxisLast(b, x, this.channelAxis(rank), (last) =>
      b.op('batch_norm', [last, mean!, variance!, ...affine], {
        epsilon: this.epsilon,
        momentum: this.momentum,
        center: this.center,
        scale: this.scale,
      }),
    );
  }

  getConfig(): Record<string, unknown> {
    // As tfjs-layers writes it: the axis as given (Keras 2 writes the resolved list, [3]).
    return {
      ...this.baseConfig(),
      axis: this.axis,
      momentum: this.momentum,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: kerasInitializer(this.initializers.beta),
      gamma_initializer: kerasInitializer(this.initializers.gamma),
      moving_mean_initializer: kerasInitializer(this.initializers.movingMean),
      moving_variance_initializer: kerasInitializer(this.initializers.movingVariance),
      beta_regularizer: null,
      gamma_regularizer: null,
      beta_constraint: null,
      gamma_constraint: null,
    };
  }
}
