import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, imageShapeText, intPair, isKnownImage, kerasDataFormat, shapeThroughChannelsLast, throughChannelsLast, type DataFormat } from './data-format.js';

export type Interpolation = 'nearest' | 'bilinear';

export interface UpSampling2DArgs extends LayerArgs {
  /** Row and column repeat factors (one number for both); default [2, 2]. */
  size?: number | readonly [number, number];
  interpolation?: Interpolation;
  dataFormat?: DataFormat;
}

/**
 * Enlarges an image by integer factors, as Keras / tfjs-layers UpSampling2D: tfjs resizes to
 * size · (h, w) with resizeNearestNeighbor / resizeBilinear, corners not aligned and no
 * half-pixel centres, which is resize2d's 'asymmetric' coordinate mode. resize2d is channels-last;
 * channelsFirst resizes between transposes, as tfjs-layers does.
 */
export class UpSampling2D extends Layer {
  readonly className = 'UpSampling2D';
  readonly size: [number, number];
  readonly interpolation: Interpolation;
  readonly dataFormat: DataFormat;

  constructor(args: UpSampling2DArgs = {}) {
    super(args, 'up_sampling2d');
    this.dataFormat = dataFormatOf(this.name, this.className, args.dataFormat);
    const size = intPair(args.size ?? 2);
    if (!size) this.fail('NNC1006', `size must be a positive integer or a pair of them, got ${JSON.stringify(args.size)}`);
    const interpolation = args.interpolation ?? 'nearest';
    if (interpolation !== 'nearest' && interpolation !== 'bilinear')
      this.fail('NNC1006', `interpolation '${String(interpolation)}' is not supported`, "UpSampling2D interpolates 'nearest' or 'bilinear' (as tfjs-layers).");
    [this.size, this.interpolation] = [size, interpolation];
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (!isKnownImage(shape!)) this.fail('NNC2003', `expects ${imageShapeText(this.dataFormat)} with known sizes, got ${formatKerasShape(shape!)}`);
    return shapeThroughChannelsLast(shape!, this.dataFormat, ([n, h, w, c]) => [n!, h! * this.size[0], w! * this.size[1], c!]);
  }

  lower({ b, inputs }: LowerContext): Node {
    return throughChannelsLast(b, inputs[0]!, this.dataFormat, (x) => {
      const [, h, w] = x.type.shape as number[];
      return b.op('resize2d', [x], { size: [h! * this.size[0], w! * this.size[1]], mode: this.interpolation, coordinateMode: 'asymmetric' });
    });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), size: this.size, data_format: kerasDataFormat(this.dataFormat), interpolation: this.interpolation };
  }
}

export interface UpSampling1DArgs extends LayerArgs {
  /** How many times each step is repeated; default 2. */
  size?: number;
}

/**
 * Repeats each step of [batch, steps, channels] `size` times, as Keras UpSampling1D (tfjs-layers
 * has none): a nearest resize of the steps seen as a one-column image.
 */
export class UpSampling1D extends Layer {
  readonly className = 'UpSampling1D';
  readonly size: number;

  constructor(args: UpSampling1DArgs = {}) {
    super(args, 'up_sampling1d');
    const size = args.size ?? 2;
    if (!Number.isInteger(size) || size < 1) this.fail('NNC1006', `size must be a positive integer, got ${JSON.stringify(args.size)}`);
    this.size = size;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const [n, steps, c] = shape!;
    if (shape!.length !== 3 || steps === null || c === null) this.fail('NNC2003', `expects [batch, steps, channels] with known sizes, got ${formatKerasShape(shape!)}`);
    return [n!, steps! * this.size, c!];
  }

  lower({ b, inputs }: LowerContext): Node {
    const [, steps, c] = inputs[0]!.type.shape as number[];
    const image = b.op('reshape', [inputs[0]!], { shape: [steps!, 1, c!] });
    const resized = b.op('resize2d', [image], { size: [steps! * this.size, 1], mode: 'nearest', coordinateMode: 'asymmetric' });
    return b.op('reshape', [resized], { shape: [steps! * this.size, c!] });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), size: this.size };
  }
}
