import type { ActivationName } from '../../ir/activations.js';
import type { Node } from '../../ir/graph.js';
import { convGeometry } from '../../ir/ops/conv2d-geometry.js';
import { ShapeError } from '../../ir/registry.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import { convFilterOptions, kernelLayerConfig, type ConvFilterArgs } from './kernel-config.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { lowerActivation } from './activation-lowering.js';
import { dataFormatOf, kerasDataFormat, shapeThroughChannelsLast, throughChannelsLast, type DataFormat } from './data-format.js';

export type IntOrPair = number | readonly [number, number];

export interface Conv2DArgs extends LayerArgs, ConvFilterArgs {
  kernelSize: IntOrPair;
  strides?: IntOrPair;
  padding?: 'valid' | 'same';
  dilationRate?: IntOrPair;
  /** 'channelsLast' (NHWC, the default) or 'channelsFirst' (NCHW: computed through transposes). */
  dataFormat?: DataFormat;
}

/**
 * `activation(conv2d(x, kernel) + bias)` over x [batch, height, width, channels] (or [batch,
 * channels, height, width] with channelsFirst), as Keras Conv2D. The kernel is [kh, kw, in, out]
 * in both formats, as in Keras.
 */
export class Conv2D extends Layer {
  readonly className: string = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly dataFormat: DataFormat;
  protected readonly kernelInitializer: InitializerName;
  protected readonly biasInitializer: InitializerName;

  constructor(args: Conv2DArgs) {
    super(args);
    const options = convFilterOptions(args, this.name);
    this.dataFormat = dataFormatOf(this.name, this.className, args.dataFormat);
    if (args.padding !== undefined && args.padding !== 'valid' && args.padding !== 'same') this.fail('NNC1006', `padding must be 'valid' or 'same', got '${String(args.padding)}'`);
    this.kernelSize = this.pair('kernelSize', args.kernelSize);
    this.strides = this.pair('strides', args.strides ?? 1);
    this.dilationRate = this.pair('dilationRate', args.dilationRate ?? 1);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) this.fail('NNC1006', 'strides > 1 together with dilationRate > 1 is not supported (as in Keras)');
    this.padding = args.padding ?? 'valid';
    ({ filters: this.filters, activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer } = options);
  }

  private pair(option: string, v: IntOrPair): [number, number] {
    const p = typeof v === 'number' ? [v, v] : [...v];
    if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 1)) this.fail('NNC1006', `${option} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
    return p as [number, number];
  }

  protected get convAttrs() {
    return { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 4 || shape!.slice(1).some((d) => d === null))
      this.fail('NNC2003', `needs an input ${this.dataFormat === 'channelsFirst' ? '[batch, channels, height, width]' : '[batch, height, width, channels]'} with known height, width and channels, got ${formatKerasShape(shape!)}`);
    try {
      return shapeThroughChannelsLast(shape!, this.dataFormat, (nhwc) => {
        const g = convGeometry(nhwc, this.kernelSize[0], this.kernelSize[1], this.convAttrs);
        return [nhwc[0]!, g.oh, g.ow, this.filters];
      });
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', e.message);
      throw e;
    }
  }

  protected override build([shape]: readonly Shape[]): void {
    const channels = shape![this.dataFormat === 'channelsFirst' ? 1 : 3] as number;
    this.addWeight('kernel', [...this.kernelSize, channels, this.filters], this.kernelInitializer);
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    return throughChannelsLast(b, inputs[0]!, this.dataFormat, (x) => {
      let y = b.op('conv2d', [x, weights[0]!], this.convAttrs);
      if (this.useBias) y = b.op('add', [y, weights[1]!]);
      return lowerActivation(b, y, this.activation);
    });
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      filters: this.filters,
      kernel_size: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      data_format: kerasDataFormat(this.dataFormat),
      dilation_rate: this.dilationRate,
      ...kernelLayerConfig(this.activation, this.useBias),
    };
  }
}
