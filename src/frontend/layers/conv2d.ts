import type { ActivationName } from '../../ir/activations.js';
import type { Node } from '../../ir/graph.js';
import { convGeometry } from '../../ir/ops/conv2d-geometry.js';
import { ShapeError } from '../../ir/registry.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import { kernelLayerConfig } from './kernel-config.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { checkActivation, lowerActivation } from './activation-lowering.js';

export type IntOrPair = number | readonly [number, number];

export interface Conv2DArgs extends LayerArgs {
  filters: number;
  kernelSize: IntOrPair;
  strides?: IntOrPair;
  padding?: 'valid' | 'same';
  dilationRate?: IntOrPair;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
  /** Only 'channelsLast' (NHWC); 'channelsFirst' is refused until a layout pass exists. */
  dataFormat?: 'channelsLast' | 'channelsFirst';
}

/** `activation(conv2d(x, kernel) + bias)` over x [batch, height, width, channels], as Keras Conv2D. */
export class Conv2D extends Layer {
  readonly className = 'Conv2D';
  readonly filters: number;
  readonly kernelSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dilationRate: [number, number];
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: InitializerName;
  private readonly biasInitializer: InitializerName;

  constructor(args: Conv2DArgs) {
    super(args);
    if (!Number.isInteger(args.filters) || args.filters <= 0) this.fail('NNC1006', `filters must be a positive integer, got ${args.filters}`);
    if (args.dataFormat !== undefined && args.dataFormat !== 'channelsLast')
      this.fail('NNC1006', `dataFormat '${args.dataFormat}' is not supported`, "nnc computes channels last (NHWC): use dataFormat 'channelsLast' and transpose the data.");
    if (args.padding !== undefined && args.padding !== 'valid' && args.padding !== 'same') this.fail('NNC1006', `padding must be 'valid' or 'same', got '${String(args.padding)}'`);
    this.filters = args.filters;
    this.kernelSize = this.pair('kernelSize', args.kernelSize);
    this.strides = this.pair('strides', args.strides ?? 1);
    this.dilationRate = this.pair('dilationRate', args.dilationRate ?? 1);
    if (this.strides.some((s) => s > 1) && this.dilationRate.some((d) => d > 1)) this.fail('NNC1006', 'strides > 1 together with dilationRate > 1 is not supported (as in Keras)');
    this.padding = args.padding ?? 'valid';
    this.activation = checkActivation(args.activation, this.name);
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  private pair(option: string, v: IntOrPair): [number, number] {
    // Not a number or a list (a hostile JSON config, an untyped model file): refused below, not spread.
    const p = typeof v === 'number' ? [v, v] : Array.isArray(v) ? [...(v as number[])] : [];
    if (p.length !== 2 || p.some((d) => !Number.isInteger(d) || d < 1)) this.fail('NNC1006', `${option} must be a positive integer or a pair of them, got ${JSON.stringify(v)}`);
    return p as [number, number];
  }

  private get convAttrs() {
    return { strides: this.strides, padding: this.padding, dilations: this.dilationRate };
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 4 || shape!.slice(1).some((d) => d === null))
      this.fail('NNC2003', `needs an input [batch, height, width, channels] with known height, width and channels, got ${formatKerasShape(shape!)}`);
    try {
      const g = convGeometry(shape!, this.kernelSize[0], this.kernelSize[1], this.convAttrs);
      return [shape![0]!, g.oh, g.ow, this.filters];
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', e.message);
      throw e;
    }
  }

  protected override build([shape]: readonly Shape[]): void {
    this.addWeight('kernel', [...this.kernelSize, shape![3] as number, this.filters], this.kernelInitializer);
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    let y = b.op('conv2d', [inputs[0]!, weights[0]!], this.convAttrs);
    if (this.useBias) y = b.op('add', [y, weights[1]!]);
    return lowerActivation(b, y, this.activation);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      filters: this.filters,
      kernel_size: this.kernelSize,
      strides: this.strides,
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: this.dilationRate,
      ...kernelLayerConfig(this.activation, this.useBias),
    };
  }
}
