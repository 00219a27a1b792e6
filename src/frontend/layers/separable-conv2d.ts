import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import type { LowerContext } from '../layer.js';
import { lowerActivation } from './activation-lowering.js';
import { ConvWindowLayer } from './conv-window.js';
import { biasActivationConfig, depthwiseConfig, type DepthwiseConv2DArgs } from './depthwise-conv2d.js';

export interface SeparableConv2DArgs extends DepthwiseConv2DArgs {
  filters: number;
  pointwiseInitializer?: InitializerName;
}

/**
 * Keras SeparableConv2D: a depthwise convolution (the window, strides, dilation, multiplier m)
 * then a 1x1 convolution to `filters` channels, then bias and activation. Lowers to
 * depthwise_conv2d and conv2d; weights depthwise_kernel [kh, kw, c, m], pointwise_kernel
 * [1, 1, c·m, filters], bias [filters].
 */
export class SeparableConv2D extends ConvWindowLayer {
  readonly className = 'SeparableConv2D';
  readonly filters: number;
  readonly depthMultiplier: number;
  private readonly depthwiseInitializer: InitializerName;
  private readonly pointwiseInitializer: InitializerName;
  private readonly biasInitializer: InitializerName;

  constructor(args: SeparableConv2DArgs) {
    super(args);
    this.filters = this.positiveInteger('filters', args.filters);
    this.depthMultiplier = this.positiveInteger('depthMultiplier', args.depthMultiplier ?? 1);
    this.depthwiseInitializer = args.depthwiseInitializer ?? 'glorotUniform';
    this.pointwiseInitializer = args.pointwiseInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  protected outChannels(): number {
    return this.filters;
  }

  protected override build([shape]: readonly Shape[]): void {
    const c = this.inChannels(shape!);
    this.addWeight('depthwise_kernel', [...this.kernelSize, c, this.depthMultiplier], this.depthwiseInitializer);
    this.addWeight('pointwise_kernel', [1, 1, c * this.depthMultiplier, this.filters], this.pointwiseInitializer);
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    return this.throughChannelsLast(b, inputs[0]!, (x) => {
      const depthwise = b.op('depthwise_conv2d', [x, weights[0]!], this.convAttrs);
      let y = b.op('conv2d', [depthwise, weights[1]!], {});
      if (this.useBias) y = b.op('add', [y, weights[2]!]);
      return lowerActivation(b, y, this.activation);
    });
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      filters: this.filters,
      ...this.windowConfig(),
      ...biasActivationConfig(this),
      ...depthwiseConfig(this.depthMultiplier),
      pointwise_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      pointwise_regularizer: null,
      pointwise_constraint: null,
    };
  }
}
