import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import type { LowerContext } from '../layer.js';
import { lowerActivation } from './activation-lowering.js';
import { ConvWindowLayer, type ConvWindowArgs, type IntOrPair } from './conv-window.js';
import { grouped } from './grouped.js';
import { kernelLayerConfig } from './kernel-config.js';

export type { IntOrPair };

export interface Conv2DArgs extends ConvWindowArgs {
  filters: number;
  /** Keras' groups: input and output channels split into this many independent convolutions (default 1). */
  groups?: number;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/**
 * `activation(conv2d(x, kernel) + bias)` over x [batch, height, width, channels] (or [batch,
 * channels, height, width] with channelsFirst), as Keras Conv2D. The kernel is [kh, kw, in, out]
 * in both formats, as in Keras ([kh, kw, in / groups, out] with `groups`, one conv per group).
 */
export class Conv2D extends ConvWindowLayer {
  readonly className: string = 'Conv2D';
  readonly filters: number;
  readonly groups: number;
  protected readonly kernelInitializer: InitializerName;
  protected readonly biasInitializer: InitializerName;

  constructor(args: Conv2DArgs) {
    super(args);
    this.filters = this.positiveInteger('filters', args.filters);
    this.groups = this.positiveInteger('groups', args.groups ?? 1);
    if (this.filters % this.groups !== 0) this.fail('NNC1006', `filters ${this.filters} is not a multiple of groups ${this.groups}`, 'As Keras: each group makes filters / groups output channels.');
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  protected outChannels(): number {
    return this.filters;
  }

  protected override build([shape]: readonly Shape[]): void {
    const channels = this.inChannels(shape!);
    if (channels % this.groups !== 0) this.fail('NNC2003', `the input's ${channels} channels are not a multiple of groups ${this.groups}`, 'As Keras: each group reads channels / groups input channels.');
    this.addWeight('kernel', [...this.kernelSize, channels / this.groups, this.filters], this.kernelInitializer);
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    return this.throughChannelsLast(b, inputs[0]!, (x) => {
      let y = grouped(b, this.groups, x, weights[0]!, 3, (xj, wj) => b.op('conv2d', [xj, wj], this.convAttrs));
      if (this.useBias) y = b.op('add', [y, weights[1]!]);
      return lowerActivation(b, y, this.activation);
    });
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      filters: this.filters,
      ...this.windowConfig(),
      // Keras 2.3+ writes groups; tfjs-layers has none, so it is written only where it is not 1.
      ...(this.groups === 1 ? {} : { groups: this.groups }),
      ...kernelLayerConfig(this.activation, this.useBias),
    };
  }
}
