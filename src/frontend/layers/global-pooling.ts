import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { requireChannelsLast, type DataFormat } from './data-format.js';

export interface GlobalPooling2DArgs extends LayerArgs {
  dataFormat?: DataFormat;
}

/** One value per channel over the whole image, [N, H, W, C] -> [N, C]: a reduction over axes 1 and 2. */
abstract class GlobalPooling2D extends Layer {
  /** The reduction op (it has kernels on every backend and a gradient). */
  protected abstract readonly op: string;

  constructor(args: GlobalPooling2DArgs, className: string, prefix: string) {
    super(args, prefix);
    requireChannelsLast(this.name, className, args.dataFormat);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 4) this.fail('NNC2003', `expects [batch, height, width, channels], got ${formatKerasShape(shape!)}`);
    return [shape![0]!, shape![3]!];
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op(this.op, [inputs[0]!], { axes: [1, 2] });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: 'channels_last' };
  }
}

/** The mean of each channel, as Keras GlobalAveragePooling2D. */
export class GlobalAveragePooling2D extends GlobalPooling2D {
  readonly className = 'GlobalAveragePooling2D';
  protected readonly op = 'reduce_mean';

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalAveragePooling2D', 'global_average_pooling2d');
  }
}

/** The largest value of each channel, as Keras GlobalMaxPooling2D. */
export class GlobalMaxPooling2D extends GlobalPooling2D {
  readonly className = 'GlobalMaxPooling2D';
  protected readonly op = 'reduce_max';

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'GlobalMaxPooling2D', 'global_max_pooling2d');
  }
}
