import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import type { LowerContext } from '../layer.js';
import { lowerActivation } from './activation-lowering.js';
import { ConvWindowLayer, type ConvWindowArgs, type IntOrPair } from './conv-window.js';
import { kernelLayerConfig } from './kernel-config.js';

export type { IntOrPair };

export interface Conv2DArgs extends ConvWindowArgs {
  filters: number;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/**
 * `activation(conv2d(x, kernel) + bias)` over x [batch, height, width, channels] (or [batch,
 * channels, height, width] with channelsFirst), as Keras Conv2D. The kernel is [kh, kw, in, out]
 * in both formats, as in Keras.
 */
export class Conv2D extends ConvWindowLayer {
  readonly className: string = 'Conv2D';
  readonly filters: number;
  protected readonly kernelInitializer: InitializerName;
  protected readonly biasInitializer: InitializerName;

  constructor(args: Conv2DArgs) {
    super(args);
    this.filters = this.positiveInteger('filters', args.filters);
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  protected outChannels(): number {
    return this.filters;
  }

  protected override build([shape]: readonly Shape[]): void {
    this.addWeight('kernel', [...this.kernelSize, this.inChannels(shape!), this.filters], this.kernelInitializer);
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    return this.throughChannelsLast(b, inputs[0]!, (x) => {
      let y = b.op('conv2d', [x, weights[0]!], this.convAttrs);
      if (this.useBias) y = b.op('add', [y, weights[1]!]);
      return lowerActivation(b, y, this.activation);
    });
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      filters: this.filters,
      ...this.windowConfig(),
      ...kernelLayerConfig(this.activation, this.useBias),
    };
  }
}
