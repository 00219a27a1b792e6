import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import { kerasInitializer, type InitializerName } from '../initializers.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface BatchNormalizationArgs extends LayerArgs {
  /** The normalized (channel) axis; nnc normalizes the last one only (Keras' default, -1). */
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
 * Keras BatchNormalization over the last axis: (x - mean) / sqrt(variance + epsilon) · gamma + beta.
 * Weights in Keras' order: gamma (when `scale`), beta (when `center`), moving_mean and
 * moving_variance (non-trainable). At inference it reads the moving statistics; in a training
 * step the `batch_norm` op's training form normalizes with the batch's and updates them.
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
    if (!Number.isInteger(this.axis)) this.fail('NNC1006', `axis must be an integer, got ${args.axis}`);
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
    const rank = shape!.length;
    if (rank < 2 || shape![rank - 1] === null)
      this.fail('NNC2003', `needs an input with a known last axis, got ${formatKerasShape(shape!)}`);
    if (this.axis !== -1 && this.axis !== rank - 1)
      this.fail('NNC1006', `axis ${this.axis} is not supported: nnc normalizes the last (channel) axis only, ${rank - 1} or -1 for input ${formatKerasShape(shape!)}`, 'Use channels-last data and axis: -1.');
    return shape!;
  }

  protected override build([shape]: readonly Shape[]): void {
    const channels = [shape![shape!.length - 1] as number];
    if (this.scale) this.addWeight('gamma', channels, this.initializers.gamma);
    if (this.center) this.addWeight('beta', channels, this.initializers.beta);
    this.addWeight('moving_mean', channels, this.initializers.movingMean, false);
    this.addWeight('moving_variance', channels, this.initializers.movingVariance, false);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    const affine = weights.slice(0, weights.length - 2);
    const [mean, variance] = weights.slice(-2);
    return b.op('batch_norm', [inputs[0]!, mean!, variance!, ...affine], {
      epsilon: this.epsilon,
      momentum: this.momentum,
      center: this.center,
      scale: this.scale,
    });
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
