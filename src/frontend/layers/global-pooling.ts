import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { requireChannelsLast, type DataFormat } from './data-format.js';

export interface GlobalPooling2DArgs extends LayerArgs {
  dataFormat?: DataFormat;
}

/** The mean of each channel over the whole image, [N, H, W, C] -> [N, C], as Keras GlobalAveragePooling2D. */
export class GlobalAveragePooling2D extends Layer {
  readonly className = 'GlobalAveragePooling2D';

  constructor(args: GlobalPooling2DArgs = {}) {
    super(args, 'global_average_pooling2d');
    requireChannelsLast(this.name, this.className, args.dataFormat);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 4) this.fail('NNC2003', `expects [batch, height, width, channels], got ${formatKerasShape(shape!)}`);
    return [shape![0]!, shape![3]!];
  }

  lower({ b, inputs }: LowerContext): Node {
    // reduce_mean already has kernels on every backend and a gradient.
    return b.op('reduce_mean', [inputs[0]!], { axes: [1, 2] });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: 'channels_last' };
  }
}
