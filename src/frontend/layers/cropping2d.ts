import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, heightAxis, imageShapeText, kerasDataFormat, type DataFormat } from './data-format.js';
import { sides, type Sides } from './zero-padding.js';

export interface Cropping2DArgs extends LayerArgs {
  /** Rows and columns to drop: one number for all four sides, [rows, cols] for both sides of each, or [[top, bottom], [left, right]]. */
  cropping: number | readonly [number, number] | readonly [Sides, Sides];
  dataFormat?: DataFormat;
}

/**
 * Drops rows and columns at the edges of an image, as Keras Cropping2D: one `slice` per cropped
 * axis, the height and width axes of either format (as ZeroPadding2D pads them; between
 * channels-first convolutions the layout pass moves their transposes past the slices).
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
    const out = [...shape!];
    this.cropping.forEach(([before, after], i) => (out[y + i] = (shape![y + i] as number) - before - after));
    if ((out[y] as number) < 1 || (out[y + 1] as number) < 1) this.fail('NNC2003', `cropping ${JSON.stringify(this.cropping)} leaves nothing of ${formatKerasShape(shape!)}`, 'Crop fewer rows or columns than the image has.');
    return out;
  }

  lower({ b, inputs }: LowerContext): Node {
    const y = heightAxis(this.dataFormat);
    return this.cropping.reduce((x, [before, after], i) => {
      const extent = x.type.shape[y + i] as number;
      return before + after === 0 ? x : b.op('slice', [x], { axis: y + i, begin: before, size: extent - before - after });
    }, inputs[0]!);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), cropping: this.cropping, data_format: kerasDataFormat(this.dataFormat) };
  }
}
