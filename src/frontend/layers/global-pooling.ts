import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { requireChannelsLast, type DataFormat } from './data-format.js';

export interface GlobalPooling2DArgs extends LayerArgs {
  dataFormat?: DataFormat;
}

/**
 * One value per channel over all spatial axes: [N, H, W, C] -> [N, C] for the 2-D layers (axes 1
 * and 2), [N, steps, C] -> [N, C] for the 1-D ones (axis 1); a reduction that has kernels on
 * every backend and a gradient.
 */
export abstract class GlobalPooling extends Layer {
  /** The reduction op. */
  protected abstract readonly op: string;

  constructor(
    args: GlobalPooling2DArgs,
    className: string,
    prefix: string,
    /** How many spatial axes sit between the batch and the channels. */
    private readonly spatialAxes: 1 | 2,
  ) {
    super(args, prefix);
    requireChannelsLast(this.name, className, args.dataFormat);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== this.spatialAxes + 2) this.fail('NNC2003', `expects [batch, ${this.spatialAxes === 2 ? 'height, width' : 'steps'}, channels], got ${formatKerasShape(shape!)}`);
    return [shape![0]!, shape![this.spatialAxes + 1]!];
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op(this.op, [inputs[0]!], { axes: this.spatialAxes === 2 ? [1, 2] : [1] });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: 'channels_last' };
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
