import type { Node } from '../../ir/graph.js';
import { poolGeometry, pooledType } from '../../ir/ops/pool-helpers.js';
import { ShapeError } from '../../ir/registry.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, intPair, kerasDataFormat, shapeThroughChannelsLast, throughChannelsLast, type DataFormat } from './data-format.js';

export interface Pooling2DArgs extends LayerArgs {
  /** Window height and width (one number for both); default [2, 2]. */
  poolSize?: number | readonly [number, number];
  /** Step between windows (one number for both); default (or null): the pool size. */
  strides?: number | readonly [number, number] | null;
  padding?: 'valid' | 'same';
  dataFormat?: DataFormat;
}

/**
 * Max or average over windows of an image, as Keras MaxPooling2D / AveragePooling2D; the pooling
 * ops are channels-last, so a channelsFirst layer pools between two transposes.
 */
abstract class Pooling2D extends Layer {
  /** The IR op computing the layer. */
  protected abstract readonly op: string;
  readonly poolSize: [number, number];
  readonly strides: [number, number];
  readonly padding: 'valid' | 'same';
  readonly dataFormat: DataFormat;

  constructor(args: Pooling2DArgs, className: string, prefix: string) {
    super(args, prefix);
    this.dataFormat = dataFormatOf(this.name, className, args.dataFormat);
    const pool = intPair(args.poolSize ?? 2);
    if (!pool) this.fail('NNC1006', `poolSize must be a positive integer or a pair of them, got ${JSON.stringify(args.poolSize)}`);
    const strides = args.strides === undefined || args.strides === null ? pool : intPair(args.strides);
    if (!strides) this.fail('NNC1006', `strides must be a positive integer or a pair of them, got ${JSON.stringify(args.strides)}`);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') this.fail('NNC1006', `padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
    [this.poolSize, this.strides, this.padding] = [pool, strides, padding];
  }

  private get attrs() {
    return { pool: this.poolSize, strides: this.strides, padding: this.padding };
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    try {
      if (shape!.length !== 4) throw new ShapeError('expects a 4-D input');
      return shapeThroughChannelsLast(shape!, this.dataFormat, (nhwc) => pooledType(poolGeometry({ dtype: 'f32', shape: nhwc }, this.attrs)).shape);
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', `${formatKerasShape(shape!)}: ${e.message}`);
      throw e;
    }
  }

  lower({ b, inputs }: LowerContext): Node {
    return throughChannelsLast(b, inputs[0]!, this.dataFormat, (x) => b.op(this.op, [x], this.attrs));
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), pool_size: this.poolSize, padding: this.padding, strides: this.strides, data_format: kerasDataFormat(this.dataFormat) };
  }
}

export class MaxPooling2D extends Pooling2D {
  readonly className = 'MaxPooling2D';
  protected readonly op = 'max_pool2d';

  constructor(args: Pooling2DArgs = {}) {
    super(args, 'MaxPooling2D', 'max_pooling2d');
  }
}

export class AveragePooling2D extends Pooling2D {
  readonly className = 'AveragePooling2D';
  protected readonly op = 'avg_pool2d';

  constructor(args: Pooling2DArgs = {}) {
    super(args, 'AveragePooling2D', 'average_pooling2d');
  }
}
