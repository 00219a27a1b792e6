import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, kerasDataFormat, requireChannelsLast, type DataFormat } from './data-format.js';

export interface GlobalPooling2DArgs extends LayerArgs {
  dataFormat?: DataFormat;
}

/**
 * One value per channel over all spatial axes: [N, H, W, C] -> [N, C] for the 2-D layers (axes 1
 * and 2), [N, steps, C] -> [N, C] for the 1-D ones (axis 1); with channelsFirst the channels are
 * axis 1 and the reduction runs over the axes after it (no transpose needed). A reduction has
 * kernels on every backend and a gradient.
 */
export abstract class GlobalPooling extends Layer {
  /** The reduction op. */
  protected abstract readonly op: string;
  readonly dataFormat: DataFormat;

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
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const spatial = this.spatialAxes === 2 ? 'height, width' : 'steps';
    if (shape!.length !== this.spatialAxes + 2)
      this.fail('NNC2003', `expects [batch, ${this.channelsFirst ? `channels, ${spatial}` : `${spatial}, channels`}], got ${formatKerasShape(shape!)}`);
    return [shape![0]!, shape![this.channelsFirst ? 1 : this.spatialAxes + 1]!];
  }

  lower({ b, inputs }: LowerContext): Node {
    const first = this.channelsFirst ? 2 : 1;
    return b.op(this.op, [inputs[0]!], { axes: Array.from({ length: this.spatialAxes }, (_, i) => first + i) });
  }

  private get channelsFirst(): boolean {
    return this.dataFormat === 'channelsFirst';
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: kerasDataFormat(this.dataFormat) };
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
