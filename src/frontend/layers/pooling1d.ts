import type { Node } from '../../ir/graph.js';
import { poolGeometry, pooledType } from '../../ir/ops/pool-helpers.js';
import { ShapeError } from '../../ir/registry.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { requireChannelsLast, type DataFormat } from './data-format.js';
import { asColumn, fromColumn, positiveSingle } from './one-d.js';

export interface Pooling1DArgs extends LayerArgs {
  /** Window length (a number or [number]); default 2. */
  poolSize?: number | readonly [number];
  /** Step between windows; default (or null): the pool size. */
  strides?: number | readonly [number] | null;
  padding?: 'valid' | 'same';
  dataFormat?: DataFormat;
}

/**
 * Max or average over windows of a sequence [batch, steps, channels], as Keras MaxPooling1D /
 * AveragePooling1D: the 2-D pooling op over the sequence viewed as a column (see one-d.ts).
 */
abstract class Pooling1D extends Layer {
  /** The 2-D pooling op computing the layer. */
  protected abstract readonly op: string;
  readonly poolSize: number;
  readonly strides: number;
  readonly padding: 'valid' | 'same';

  constructor(args: Pooling1DArgs, className: string, prefix: string) {
    super(args, prefix);
    requireChannelsLast(this.name, className, args.dataFormat, `tfjs-layers' ${className} ignores dataFormat and pools [batch, steps, channels]`);
    const pool = positiveSingle(args.poolSize ?? 2);
    if (pool === undefined) this.fail('NNC1006', `poolSize must be a positive integer or [one of them], got ${JSON.stringify(args.poolSize)}`);
    const strides = args.strides === undefined || args.strides === null ? pool : positiveSingle(args.strides);
    if (strides === undefined) this.fail('NNC1006', `strides must be a positive integer or [one of them], got ${JSON.stringify(args.strides)}`);
    const padding = args.padding ?? 'valid';
    if (padding !== 'valid' && padding !== 'same') this.fail('NNC1006', `padding must be 'valid' or 'same', got ${JSON.stringify(padding)}`);
    [this.poolSize, this.strides, this.padding] = [pool, strides, padding];
  }

  private get attrs() {
    return { pool: [this.poolSize, 1], strides: [this.strides, 1], padding: this.padding };
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 3 || shape![1] === null) this.fail('NNC2003', `expects [batch, steps, channels] with known steps, got ${formatKerasShape(shape!)}`);
    try {
      const [n, steps, c] = shape!;
      const [, out] = pooledType(poolGeometry({ dtype: 'f32', shape: [n!, steps!, 1, c!] }, this.attrs)).shape;
      return [n!, out!, c!];
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', `${formatKerasShape(shape!)}: ${e.message}`);
      throw e;
    }
  }

  lower({ b, inputs }: LowerContext): Node {
    return fromColumn(b, b.op(this.op, [asColumn(b, inputs[0]!)], this.attrs));
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), strides: [this.strides], pool_size: [this.poolSize], padding: this.padding, data_format: 'channels_last' };
  }
}

export class MaxPooling1D extends Pooling1D {
  readonly className = 'MaxPooling1D';
  protected readonly op = 'max_pool2d';

  constructor(args: Pooling1DArgs = {}) {
    super(args, 'MaxPooling1D', 'max_pooling1d');
  }
}

export class AveragePooling1D extends Pooling1D {
  readonly className = 'AveragePooling1D';
  protected readonly op = 'avg_pool2d';

  constructor(args: Pooling1DArgs = {}) {
    super(args, 'AveragePooling1D', 'average_pooling1d');
  }
}
