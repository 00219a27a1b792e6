import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { requireChannelsLast, type DataFormat } from './data-format.js';
import { sides, type Sides } from './zero-padding.js';

export interface Cropping2DArgs extends LayerArgs {
  /** Rows and columns to drop: one number for all four sides, [rows, cols] for both sides of each, or [[top, bottom], [left, right]]. */
  cropping: number | readonly [number, number] | readonly [Sides, Sides];
  dataFormat?: DataFormat;
}

/** Drops rows and columns at the edges of a channels-last image, as Keras Cropping2D: one `slice` per cropped axis. */
export class Cropping2D extends Layer {
  readonly className = 'Cropping2D';
  readonly cropping: [Sides, Sides];

  constructor(args: Cropping2DArgs) {
    super(args, 'cropping2d');
    requireChannelsLast(this.name, this.className, args.dataFormat);
    const cropping = sides(args.cropping);
    if (!cropping) this.fail('NNC1006', `cropping must be a number, a pair or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(args.cropping)}`);
    this.cropping = cropping;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const [n, h, w, c] = shape!;
    if (shape!.length !== 4 || h === null || w === null) this.fail('NNC2003', `expects [batch, height, width, channels] with known height and width, got ${formatKerasShape(shape!)}`);
    const [[top, bottom], [left, right]] = this.cropping;
    const [oh, ow] = [h! - top - bottom, w! - left - right];
    if (oh < 1 || ow < 1) this.fail('NNC2003', `cropping ${JSON.stringify(this.cropping)} leaves nothing of ${formatKerasShape(shape!)}`, 'Crop fewer rows or columns than the image has.');
    return [n!, oh, ow, c!];
  }

  lower({ b, inputs }: LowerContext): Node {
    return this.cropping.reduce((x, [before, after], i) => {
      const extent = x.type.shape[i + 1] as number;
      return before + after === 0 ? x : b.op('slice', [x], { axis: i + 1, begin: before, size: extent - before - after });
    }, inputs[0]!);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), cropping: this.cropping, data_format: 'channels_last' };
  }
}
