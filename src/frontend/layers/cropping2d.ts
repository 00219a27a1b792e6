import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, heightAxis, imageShapeText, kerasDataFormat, shapeThroughChannelsLast, throughChannelsLast, type DataFormat } from './data-format.js';
import { sides, type Sides } from './zero-padding.js';

export interface Cropping2DArgs extends LayerArgs {
  /** Rows and columns to drop: one number for all four sides, [rows, cols] for both sides of each, or [[top, bottom], [left, right]]. */
  cropping: number | readonly [number, number] | readonly [Sides, Sides];
  dataFormat?: DataFormat;
}

/**
 * Drops rows and columns at the edges of an image, as Keras Cropping2D: one `slice` per cropped
 * axis. channelsFirst slices between transposes, so that between channels-first convolutions the
 * layout pass cancels them (slicing axes 2 and 3 directly would pin two transposes around it).
 */
export class Cropping2D extends Layer {
  readonly className = 'Cropping2D';
  readonly cropping: [Sides, Sides];
  readonly dataFormat: DataFormat;

  constructor(args: Cropping2DArgs) {
    super(args, 'cropping2d');
    this.dataFormat = dataFormatOf(this.name, this.className, args.dataFormat);
    const cropping = sides(args.cropping);
    if (!cropping) this.fail('NNC1006', `cropping must be a number, a pair or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(args.cropping)}`);
    this.cropping = cropping;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const y = heightAxis(this.dataFormat);
    if (shape!.length !== 4 || shape![y] === null || shape![y + 1] === null)
      this.fail('NNC2003', `expects ${imageShapeText(this.dataFormat)} with known height and width, got ${formatKerasShape(shape!)}`);
    return shapeThroughChannelsLast(shape!, this.dataFormat, ([n, h, w, c]) => {
      const [[top, bottom], [left, right]] = this.cropping;
      const [oh, ow] = [h! - top - bottom, w! - left - right];
      if (oh < 1 || ow < 1) this.fail('NNC2003', `cropping ${JSON.stringify(this.cropping)} leaves nothing of ${formatKerasShape(shape!)}`, 'Crop fewer rows or columns than the image has.');
      return [n!, oh, ow, c!];
    });
  }

  lower({ b, inputs }: LowerContext): Node {
    return throughChannelsLast(b, inputs[0]!, this.dataFormat, (nhwc) =>
      this.cropping.reduce((x, [before, after], i) => {
        const extent = x.type.shape[i + 1] as number;
        return before + after === 0 ? x : b.op('slice', [x], { axis: i + 1, begin: before, size: extent - before - after });
      }, nhwc),
    );
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), cropping: this.cropping, data_format: kerasDataFormat(this.dataFormat) };
  }
}
