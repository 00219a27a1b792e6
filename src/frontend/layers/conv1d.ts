import type { ActivationName } from '../../ir/activations.js';
import type { Node } from '../../ir/graph.js';
import { convGeometry } from '../../ir/ops/conv2d-geometry.js';
import { ShapeError } from '../../ir/registry.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import type { InitializerName } from '../initializers.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { lowerActivation } from './activation-lowering.js';
import { requireChannelsLast, type DataFormat } from './data-format.js';
import { convFilterOptions, kernelLayerConfig, type ConvFilterArgs } from './kernel-config.js';
import { asColumn, fromColumn, kernelAsColumn, positiveSingle } from './one-d.js';

export type Padding1D = 'valid' | 'same' | 'causal';

export interface Conv1DArgs extends LayerArgs, ConvFilterArgs {
  /** Only 'channelsLast' ([batch, steps, channels]). */
  dataFormat?: DataFormat;
  /** Window length (a number or [number], as Keras writes it). */
  kernelSize: number | readonly [number];
  strides?: number | readonly [number];
  /** 'causal': output t sees inputs up to t only (left zeros of dilationRate·(kernelSize−1), then 'valid'). */
  padding?: Padding1D;
  dilationRate?: number | readonly [number];
}

/**
 * `activation(conv1d(x, kernel) + bias)` over x [batch, steps, channels], as Keras Conv1D. Lowered
 * as tfjs computes it: the steps become a column ([batch, steps, 1, channels], a free view), the
 * kernel [k, in, filters] a k×1 kernel, and one conv2d with strides / dilations [s, 1] runs.
 */
export class Conv1D extends Layer {
  readonly className = 'Conv1D';
  readonly filters: number;
  readonly kernelSize: number;
  readonly strides: number;
  readonly padding: Padding1D;
  readonly dilationRate: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  private readonly kernelInitializer: InitializerName;
  private readonly biasInitializer: InitializerName;

  constructor(args: Conv1DArgs) {
    super(args);
    requireChannelsLast(this.name, this.className, args.dataFormat, "tfjs-layers' channels-first Conv1D returns a channels-last tensor under a channels-first shape and saves no data_format");
    const options = convFilterOptions(args, this.name);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same' && padding !== 'causal') this.fail('NNC1006', `padding must be 'valid', 'same' or 'causal', got '${String(args.padding)}'`);
    this.kernelSize = this.single('kernelSize', args.kernelSize);
    this.strides = this.single('strides', args.strides ?? 1);
    this.dilationRate = this.single('dilationRate', args.dilationRate ?? 1);
    if (this.strides > 1 && this.dilationRate > 1) this.fail('NNC1006', 'strides > 1 together with dilationRate > 1 is not supported (as in Keras)');
    this.padding = padding;
    ({ filters: this.filters, activation: this.activation, useBias: this.useBias, kernelInitializer: this.kernelInitializer, biasInitializer: this.biasInitializer } = options);
  }

  private single(option: string, v: number | readonly number[]): number {
    const n = positiveSingle(v);
    if (n === undefined) this.fail('NNC1006', `${option} must be a positive integer or [one of them], got ${JSON.stringify(v)}`);
    return n;
  }

  /** Zeros in front of the steps for causal padding: the window of output t ends at input t. */
  private get causalPad(): number {
    return this.padding === 'causal' ? this.dilationRate * (this.kernelSize - 1) : 0;
  }

  private get convAttrs() {
    return { strides: [this.strides, 1], padding: this.padding === 'same' ? 'same' : 'valid', dilations: [this.dilationRate, 1] };
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 3 || shape![1] === null || shape![2] === null)
      this.fail('NNC2003', `needs an input [batch, steps, channels] with known steps and channels, got ${formatKerasShape(shape!)}`);
    try {
      const column: Shape = [shape![0]!, (shape![1] as number) + this.causalPad, 1, shape![2]!];
      const g = convGeometry(column, this.kernelSize, 1, this.convAttrs);
      return [shape![0]!, g.oh, this.filters];
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', e.message);
      throw e;
    }
  }

  protected override build([shape]: readonly Shape[]): void {
    this.addWeight('kernel', [this.kernelSize, shape![2] as number, this.filters], this.kernelInitializer);
    if (this.useBias) this.addWeight('bias', [this.filters], this.biasInitializer);
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    let x = inputs[0]!;
    if (this.causalPad > 0) x = b.op('pad', [x], { axis: 1, before: this.causalPad, after: 0 });
    const kernel = kernelAsColumn(b, weights[0]!);
    let y = fromColumn(b, b.op('conv2d', [asColumn(b, x), kernel], this.convAttrs));
    if (this.useBias) y = b.op('add', [y, weights[1]!]);
    return lowerActivation(b, y, this.activation);
  }

  getConfig(): Record<string, unknown> {
    return {
      ...this.baseConfig(),
      filters: this.filters,
      kernel_size: [this.kernelSize],
      strides: [this.strides],
      padding: this.padding,
      data_format: 'channels_last',
      dilation_rate: [this.dilationRate],
      ...kernelLayerConfig(this.activation, this.useBias),
    };
  }
}
