import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, kerasDataFormat, type DataFormat } from './data-format.js';

export interface GlobalPooling2DArgs extends LayerArgs {
  dataFormat?: DataFormat;
}

/**
 * One value per channel over the whole image, [N, H, W, C] -> [N, C]: a reduction over axes 1 and
 * 2 (over axes 2 and 3 of [N, C, H, W] with channelsFirst: no transpose needed).
 */
abstract class GlobalPooling2D extends Layer {
  /** The reduction op (it has kernels on every backend and a gradient). */
  protected abstract readonly op: string;
  readonly dataFormat: DataFormat;

  constructor(args: GlobalPooling2DArgs, className: string, prefix: string) {
    super(args, prefix);
    this.dataFormat = dataFormatOf(this.name, className, args.dataFormat);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 4) this.fail('NNC2003', `expects a 4-D image [batch, height, width, channels] or [batch, channels, height, width], got ${formatKerasShape(shape!)}`);
    return [shape![0]!, shape![this.channelsFirst ? 1 : 3]!];
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op(this.op, [inputs[0]!], { axes: this.channelsFirst ? [2, 3] : [1, 2] });
  }

  private get channelsFirst(): boolean {
    return this.dataFormat === 'channelsFirst';
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: kerasDataFormat(this.dataFormat) };
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
