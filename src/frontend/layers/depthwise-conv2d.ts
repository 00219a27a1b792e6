import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import type { LowerContext } from '../layer.js';
import { lowerActivation, tfjsActivationName } from './activation-lowering.js';
import { ConvWindowLayer, type ConvWindowArgs } from './conv-window.js';

export interface DepthwiseConv2DArgs extends ConvWindowArgs {
  /** Output channels per input channel (Keras' depth_multiplier, default 1). */
  depthMultiplier?: number;
  depthwiseInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/** Config keys Keras and tfjs write for a bias and an activation; initializers as their defaults (the saved weights are what a loader uses). */
export function biasActivationConfig(layer: ConvWindowLayer): Record<string, unknown> {
  return {
    activation: tfjsActivationName(layer.activation),
    use_bias: layer.useBias,
    bias_initializer: { class_name: 'Zeros', config: {} },
    bias_regularizer: null,
    activity_regularizer: null,
    bias_constraint: null,
  };
}

/** The config keys of a depthwise kernel (DepthwiseConv2D, SeparableConv2D). */
export const depthwiseConfig = (depthMultiplier: number): Record<string, unknown> => ({
  depth_multiplier: depthMultiplier,
  depthwise_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
  depthwise_regularizer: null,
  depthwise_constraint: null,
});

/**
 * `activation(depthwise_conv2d(x, kernel) + bias)` over x [batch, height, width, channels], as
 * Keras DepthwiseConv2D: each input channel convolved with its own depthMultiplier filters,
 * kernel [kh, kw, channels, depthMultiplier], output channel ch · depthMultiplier + q.
 */
export class DepthwiseConv2D extends ConvWindowLayer {
  readonly className = 'DepthwiseConv2D';
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: InitializerName;
  private readonly biasInitializer: InitializerName;

  constructor(args: DepthwiseConv2DArgs) {
    super(args);
    this.depthMultiplier = this.positiveInteger('depthMultiplier', args.depthMultiplier ?? 1);
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  protected outChannels(channels: number): number {
    return channels * this.depthMultiplier;
  }

  protected override build([shape]: readonly Shape[]): void {
    const c = this.inChannels(shape!);
    this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.depthwiseInitializer);
    if (this.useBias) this.addWeight('bias', [c * this.depthMultiplier], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    return this.throughChannelsLast(b, inputs[0]!, (x) => {
      let y = b.op('depthwise_conv2d', [x, weights[0]!], this.convAttrs);
      if (this.useBias) y = b.op('add', [y, weights[1]!]);
      return lowerActivation(b, y, this.activation);
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), ...this.windowConfig(), ...biasActivationConfig(this), ...depthwiseConfig(this.depthMultiplier) };
  }
}
