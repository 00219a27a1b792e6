import type { ActivationName } from '../../ir/activations.js';
import { convGeometry } from '../../ir/ops/conv2d-geometry.js';
import { ShapeError } from '../../ir/registry.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import { Layer, type LayerArgs } from '../layer.js';
import { checkActivation } from './activation-lowering.js';

export type IntOrPair = number | readonly [number, number];

/** The arguments every 2-D convolution layer takes (Conv2D, DepthwiseConv2D, SeparableConv2D). */
export interface ConvWindowArgs extends LayerArgs {
  kernelSize: IntOrPair;
  strides?: IntOrPair;
  padding?: 'valid' | 'same';
  dilationRate?: IntOrPair;
  activation?: string;
  useBias?: boolean;
  /** Only 'channelsLast' (NHWC); 'channelsFirst' is refused until a layout pass exists. */
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

/**
 * A 2-D convolution layer over x [batch, height, width, channels]: its window (kernel size,
 * strides, padding, dilation), activation and bias switch, validated as Keras does, its output
 * shape, and the config keys Keras writes for them.
 */
export abstract class ConvWindowLayer extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;

  constructor(args: ConvWindowArgs, defaultName?: string) {
    super(args, defaultName);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast')
      this.fail('NNC1006', `dataFormat '${args.dataFormat}' is not supported`, "nnc computes channels last (NHWC): use dataFormat 'channelsLast' and transpose the data.");
    if (args.padding !== undefined && args.padding !== 'valid' && args.padding !== 'same') this.fail('NNC1006', `padding must be 'valid' or 'same', got '${String(args.padding)}'`);
    this.kernelSize = this.pair('kernelSize', args.kernelSize);
    this.strides = this.pair('strides', args.strides ?? 1);
    this.dilationRate = this.pair('dilationRate', args.dilationRate ?? 1);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) this.fail('NNC1006', 'strides > 1 together with dilationRate > 1 is not supported (as in Keras)');
    this.padding = args.padding ?? 'valid';
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
  }

  protected positiveInteger(option: string, v: number): number {
    if (!Number.isInteger(v) || v <= 0) this.fail('NNC1006', `${option} must be a positive integer, got ${v}`);
    return v;
  }

  private pair(option: string, v: IntOrPair): [number, number] {
    const p = typeof v === 'number' ? [v, v] : [...v];
    if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 1)) this.fail('NNC1006', `${option} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
    return p as [number, number];
  }

  /** The IR attributes of the window (conv2d, depthwise_conv2d). */
  protected get convAttrs() {
    return { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
  }

  /** Output channels for an input with `channels` channels. */
  protected abstract outChannels(channels: number): number;

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 4 || shape!.slice(1).some((d) => d === null))
      this.fail('NNC2003', `needs an input [batch, height, width, channels] with known height, width and channels, got ${formatKerasShape(shape!)}`);
    try {
      const g = convGeometry(shape!, this.kernelSize[0], this.kernelSize[1], this.convAttrs);
      return [shape![0]!, g.oh, g.ow, this.outChannels(g.c)];
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', e.message);
      throw e;
    }
  }

  /** Keras' config keys of the window, in Keras' order. */
  protected windowConfig(): Record<string, unknown> {
    return { kernel_size: this.kernelSize, strides: this.strides, padding: this.padding, data_format: 'channels_last', dilation_rate: this.dilationRate };
  }
}
