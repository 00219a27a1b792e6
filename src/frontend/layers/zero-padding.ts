import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { requireChannelsLast, type DataFormat } from './data-format.js';

/** Entries before and after along one axis. */
export type Sides = readonly [number, number];

export interface ZeroPadding2DArgs extends LayerArgs {
  /** Rows and columns of zeros: one number for all four sides, [rows, cols] for both sides of each, or [[top, bottom], [left, right]]. Default 1. */
  padding?: number | readonly [number, number] | readonly [Sides, Sides];
  dataFormat?: DataFormat;
}

export const isCount = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/** [[top, bottom], [left, right]] from any of Keras' spellings (ZeroPadding2D, Cropping2D), or undefined if it is none of them. */
export function sides(padding: unknown): [Sides, Sides] | undefined {
  if (isCount(padding)) return [[padding, padding], [padding, padding]];
  if (!Array.isArray(padding) || padding.length !== 2) return undefined;
  const [rows, cols] = padding as unknown[];
  if (isCount(rows) && isCount(cols)) return [[rows, rows], [cols, cols]];
  const pair = (v: unknown): v is Sides => Array.isArray(v) && v.length === 2 && v.every(isCount);
  return pair(rows) && pair(cols) ? [rows, cols] : undefined;
}

/** Zeros around a channels-last image, as Keras ZeroPadding2D: one `pad` per spatial axis. */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly padding: [Sides, Sides];

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args, 'zero_padding2d');
    requireChannelsLast(this.name, this.className, args.dataFormat);
    const padding = sides(args.padding ?? 1);
    if (!padding) this.fail('NNC1006', `padding must be a number, a pair or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(args.padding)}`);
    this.padding = padding;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const [n, h, w, c] = shape!;
    if (shape!.length !== 4 || h === null || w === null) this.fail('NNC2003', `expects [batch, height, width, channels], got ${formatKerasShape(shape!)}`);
    const [[top, bottom], [left, right]] = this.padding;
    return [n!, h! + top + bottom, w! + left + right, c!];
  }

  lower({ b, inputs }: LowerContext): Node {
    return this.padding.reduce((x, [before, after], i) => (before + after === 0 ? x : b.op('pad', [x], { axis: i + 1, before, after })), inputs[0]!);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), padding: this.padding, data_format: 'channels_last' };
  }
}
