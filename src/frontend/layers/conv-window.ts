import type { ActivationName } from '../../ir/activations.js';
import { convGeometry } from '../../ir/ops/conv2d-geometry.js';
import { ShapeError } from '../../ir/registry.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import { Layer, type LayerArgs } from '../layer.js';
import { checkActivation } from './activation-lowering.js';
import { dataFormatOf, imageShapeText, isKnownImage, kerasDataFormat, shapeThroughChannelsLast, throughChannelsLast, type DataFormat } from './data-format.js';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';

export type IntOrPair = number | readonly [number, number];

/** The arguments every 2-D convolution layer takes (Conv2D, DepthwiseConv2D, SeparableConv2D). */
export interface ConvWindowArgs extends LayerArgs {
  kernelSize: IntOrPair;
  strides?: IntOrPair;
  padding?: 'valid' | 'same';
  dilationRate?: IntOrPair;
  activation?: string;
  useBias?: boolean;
  /** 'channelsLast' (NHWC, the default) or 'channelsFirst' (NCHW: computed through transposes). */
  dataFormat?: DataFormat;
}

/**
 * A 2-D convolution layer over x [batch, height, width, channels] (or channels first): its window
 * (kernel size, strides, padding, dilation), activation and bias switch, validated as Keras does,
 * its output shape, and the config keys Keras writes for them. Every kernel is channels-last; a
 * channels-first layer lowers through transposes (`throughChannelsLast`) that the layout pass
 * cancels between layers.
 */
export abstract class ConvWindowLayer extends Layer {
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly dataFormat: DataFormat;

  constructor(args: ConvWindowArgs, defaultName?: string) {
    super(args, defaultName);
    this.dataFormat = dataFormatOf(this.name, this.constructor.name, args.dataFormat);
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
    // Not a number or a list (a hostile JSON config, an untyped model file): refused below, not spread.
    const p = typeof v === 'number' ? [v, v] : Array.isArray(v) ? [...(v as number[])] : [];
    if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 1)) this.fail('NNC1006', `${option} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
    return p as [number, number];
  }

  /** The IR attributes of the window (conv2d, depthwise_conv2d). */
  protected get convAttrs() {
    return { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
  }

  /** Output channels for an input with `channels` channels. */
  protected abstract outChannels(channels: number): number;

  /** The input's channel count. */
  protected inChannels(shape: Shape): number {
    return shape[this.dataFormat === 'channelsFirst' ? 1 : 3] as number;
  }

  /** `f` over the input in NHWC, the result back in the layer's format. */
  protected throughChannelsLast(b: GraphBuilder, x: Node, f: (nhwc: Node) => Node): Node {
    return throughChannelsLast(b, x, this.dataFormat, f);
  }

  /** Refuses (NNC2003) an input that is not a 4-D image in the layer's format with known sizes. */
  protected checkImage(shape: Shape): void {
    if (!isKnownImage(shape))
      this.fail('NNC2003', `needs an input ${imageShapeText(this.dataFormat)} with known height, width and channels, got ${formatKerasShape(shape)}`);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    this.checkImage(shape!);
    try {
      return shapeThroughChannelsLast(shape!, this.dataFormat, (nhwc) => {
        const g = convGeometry(nhwc, this.kernelSize[0], this.kernelSize[1], this.convAttrs);
        return [nhwc[0]!, g.oh, g.ow, this.outChannels(g.c)];
      });
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', e.message);
      throw e;
    }
  }

  /** Keras' config keys of the window, in Keras' order. */
  protected windowConfig(): Record<string, unknown> {
    return { kernel_size: this.kernelSize, strides: this.strides, padding: this.padding, data_format: kerasDataFormat(this.dataFormat), dilation_rate: this.dilationRate };
  }
}
