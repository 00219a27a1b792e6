import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { dataFormatOf, heightAxis, kerasDataFormat, type DataFormat } from './data-format.js';

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

/** Zeros around an image, as Keras ZeroPadding2D: one `pad` per spatial axis (axes 1, 2; 2, 3 channelsFirst). */
export class ZeroPadding2D extends Layer {
  readonly className = 'ZeroPadding2D';
  readonly padding: [Sides, Sides];
  readonly dataFormat: DataFormat;

  constructor(args: ZeroPadding2DArgs = {}) {
    super(args, 'zero_padding2d');
    this.dataFormat = dataFormatOf(this.name, this.className, args.dataFormat);
    const padding = sides(args.padding ?? 1);
    if (!padding) this.fail('NNC1006', `padding must be a number, a pair or [[top, bottom], [left, right]] of non-negative integers, got ${JSON.stringify(args.padding)}`);
    this.padding = padding;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const [h, w] = [shape![this.heightAxis], shape![this.heightAxis + 1]];
    if (shape!.length !== 4 || h === null || w === null) this.fail('NNC2003', `expects a 4-D image with known height and width, got ${formatKerasShape(shape!)}`);
    const [[top, bottom], [left, right]] = this.padding;
    const out = [...shape!];
    [out[this.heightAxis], out[this.heightAxis + 1]] = [h! + top + bottom, w! + left + right];
    return out;
  }

  lower({ b, inputs }: LowerContext): Node {
    return this.padding.reduce((x, [before, after], i) => (before + after === 0 ? x : b.op('pad', [x], { axis: this.heightAxis + i, before, after })), inputs[0]!);
  }

  private get heightAxis(): number {
    return heightAxis(this.dataFormat);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), padding: this.padding, data_format: kerasDataFormat(this.dataFormat) };
  }
}
