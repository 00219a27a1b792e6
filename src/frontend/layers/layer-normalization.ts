import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { kerasInitializer, type InitializerName } from '../initializers.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface LayerNormalizationArgs extends LayerArgs {
  /** The axis normalized over: the last one (-1 or rank − 1), as nnc supports. */
  axis?: number;
  epsilon?: number;
  center?: boolean;
  scale?: boolean;
  betaInitializer?: InitializerName;
  gammaInitializer?: InitializerName;
}

/**
 * Keras LayerNormalization over the last axis of each example (each step of a sequence):
 * (x − mean) · 1/sqrt(variance + epsilon) · gamma + beta, the statistics of that example's last
 * axis (variance biased), as tf.moments + batchNormalization in tfjs-layers. Composed of IR ops —
 * reduce_mean (keepdims), sub, mul, one elementwise 1/sqrt, and the broadcast affine — so autodiff
 * differentiates through the statistics and every backend runs it with kernels it has.
 */
export class LayerNormalization extends Layer {
  readonly className = 'LayerNormalization';
  override readonly lastAxisOnly = true;
  readonly axis: number;
  readonly epsilon: number;
  readonly center: boolean;
  readonly scale: boolean;
  private readonly betaInitializer: InitializerName;
  private readonly gammaInitializer: InitializerName;

  constructor(args: LayerNormalizationArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
    if (!Number.isInteger(this.axis)) this.fail('NNC1006', `axis must be an integer, got ${args.axis}`);
    this.epsilon = args.epsilon ?? 1e-3;
    if (!(this.epsilon > 0)) this.fail('NNC1006', `epsilon must be positive, got ${args.epsilon}`);
    this.center = args.center ?? true;
    this.scale = args.scale ?? true;
    this.betaInitializer = args.betaInitializer ?? 'zeros';
    this.gammaInitializer = args.gammaInitializer ?? 'ones';
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const rank = shape!.length;
    if (rank < 2 || shape![rank - 1] === null) this.fail('NNC2003', `needs an input with a known last axis, got ${formatKerasShape(shape!)}`);
    if (this.axis !== -1 && this.axis !== rank - 1)
      this.fail('NNC1006', `axis ${this.axis} is not supported: nnc normalizes the last axis only, ${rank - 1} or -1 for input ${formatKerasShape(shape!)}`);
    return shape!;
  }

  protected override build([shape]: readonly Shape[]): void {
    const channels = shape![shape!.length - 1] as number;
    if (this.scale) this.addWeight('gamma', [channels], this.gammaInitializer);
    if (this.center) this.addWeight('beta', [channels], this.betaInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    const x = inputs[0]!;
    const last = x.type.shape.length - 1;
    const moments = { axes: [last], keepdims: true };
    const centered = b.op('sub', [x, b.op('reduce_mean', [x], moments)]);
    const variance = b.op('reduce_mean', [b.op('mul', [centered, centered])], moments);
    const inverse = b.op('elementwise', [variance], { expr: `div(1,sqrt(add($0,${this.epsilon})))` });
    let y = b.op('mul', [centered, inverse]);
    let w = 0;
    if (this.scale) y = b.op('mul', [y, weights[w++]!]);
    if (this.center) y = b.op('add', [y, weights[w]!]);
    return y;
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      // tfjs-layers and Keras write the resolved axes, [rank − 1].
      axis: this.inputShapes ? [this.inputShapes[0]!.length - 1] : this.axis,
      epsilon: this.epsilon,
      center: this.center,
      scale: this.scale,
      beta_initializer: kerasInitializer(this.betaInitializer),
      gamma_initializer: kerasInitializer(this.gammaInitializer),
      beta_regularizer: null,
      gamma_regularizer: null,
    };
  }
}
