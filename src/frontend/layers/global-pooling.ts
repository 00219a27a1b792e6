import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, kerasDataFormat, requireChannelsLast, type DataFormat } from './data-format.js';

export interface GlobalPooling2DArgs extends LayerArgs {
  dataFormat?: DataFormat;
  /**
   * Keep the pooled axes as size 1, as Keras 2.6+'s keepdims: [N, 1, 1, C] (channelsFirst
   * [N, C, 1, 1]; 1-D [N, 1, C]). Default false: [N, C]. tfjs-layers has no such argument.
   */
  keepdims?: boolean;
}

/**
 * One value per channel over all spatial axes: [N, H, W, C] -> [N, C] for the 2-D layers (axes 1
 * and 2), [N, steps, C] -> [N, C] for the 1-D ones (axis 1); with channelsFirst the channels are
 * axis 1 and the reduction runs over the axes after it (no transpose needed). A reduction has
 * kernels on every backend and a gradient. With keepdims the reduction keeps the pooled axes as
 * size 1 (its `keepdims` attribute: the same kernels, the same memory layout).
 */
export abstract class GlobalPooling extends Layer {
  /** The reduction op. */
  protected abstract readonly op: string;
  readonly dataFormat: DataFormat;
  readonly keepdims: boolean;

  constructor(
    args: GlobalPooling2DArgs,
    className: string,
    prefix: string,
    /** How many spatial axes sit between the batch and the channels. */
    private readonly spatialAxes: 1 | 2,
  ) {
    super(args, prefix);
    if (spatialAxes === 1) requireChannelsLast(this.name, className, args.dataFormat, `tfjs-layers' ${className} ignores dataFormat and reduces [batch, steps, channels]`);
    this.dataFormat = dataFormatOf(this.name, className, args.dataFormat);
    if (args.keepdims !== undefined && typeof args.keepdims !== 'boolean')
      this.fail('NNC1006', `${className}: keepdims must be true or false, got ${JSON.stringify(args.keepdims)}`, 'Leave keepdims out (false: [batch, channels]) or pass true to keep the pooled axes as size 1.');
    this.keepdims = args.keepdims ?? false;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const spatial = this.spatialAxes === 2 ? 'height, width' : 'steps';
    if (shape!.length !== this.spatialAxes + 2)
      this.fail('NNC2003', `expects [batch, ${this.channelsFirst ? `channels, ${spatial}` : `${spatial}, channels`}], got ${formatKerasShape(shape!)}`);
    const channels = shape![this.channelsFirst ? 1 : this.spatialAxes + 1]!;
    if (!this.keepdims) return [shape![0]!, channels];
    // keepdims: a 1 for each pooled axis, where it was ([N, 1, 1, C], [N, C, 1, 1], [N, 1, C]).
    const ones = new Array<number>(this.spatialAxes).fill(1);
    return [shape![0]!, ...(this.channelsFirst ? [channels, ...ones] : [...ones, channels])];
  }

  lower({ b, inputs }: LowerContext): Node {
    const first = this.channelsFirst ? 2 : 1;
    return b.op(this.op, [inputs[0]!], { axes: Array.from({ length: this.spatialAxes }, (_, i) => first + i), keepdims: this.keepdims });
  }

  private get channelsFirst(): boolean {
    return this.dataFormat === 'channelsFirst';
  }

  getConfig(): Record<string, unknown> {
    // Keras 2.6+ writes keepdims, false too; tfjs-layers writes none and ignores it when reading.
    return { ...this.baseConfig(), data_format: kerasDataFormat(this.dataFormat), keepdims: this.keepdims };
  }
}

/** The mean of each channel, as Keras GlobalAveragePooling2D. */
export class GlobalAveragePooling2D extends GlobalPooling {
  readonly className = 'GlobalAveragePooling2D';
  protected readonly op = 'reduce_mean';

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalAveragePooling2D', 'global_average_pooling2d', 2);
  }
}

/** The largest value of each channel, as Keras GlobalMaxPooling2D. */
export class GlobalMaxPooling2D extends GlobalPooling {
  readonly className = 'GlobalMaxPooling2D';
  protected readonly op = 'reduce_max';

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalMaxPooling2D', 'global_max_pooling2d', 2);
  }
}
