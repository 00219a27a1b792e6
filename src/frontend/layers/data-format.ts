import { NncError } from '../../errors.js';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';

/** tfjs-layers' spelling of where the channels are. */
export type DataFormat = 'channelsLast' | 'channelsFirst';

/** Keras' config spelling of a data format. */
export const kerasDataFormat = (format: DataFormat): string => (format === 'channelsFirst' ? 'channels_first' : 'channels_last');

/** [N, C, H, W] -> [N, H, W, C] and back: the perms around a channels-last kernel. */
export const NCHW_TO_NHWC = [0, 2, 3, 1] as const;
export const NHWC_TO_NCHW = [0, 3, 1, 2] as const;

/**
 * The layer's data format, checked: absent is channelsLast; anything but the two names is
 * refused by name (NNC1006).
 */
export function dataFormatOf(layer: string, className: string, dataFormat: DataFormat | undefined): DataFormat {
  if (dataFormat === undefined || dataFormat === 'channelsLast' || dataFormat === 'channelsFirst') return dataFormat ?? 'channelsLast';
  throw new NncError('NNC1006', `${className}: dataFormat '${String(dataFormat)}' is not supported`, {
    location: { layer },
    hint: "Use 'channelsLast' ([batch, height, width, channels]) or 'channelsFirst' ([batch, channels, height, width]).",
  });
}

/**
 * For the layers that have no channels-first form yet (1-D layers, Cropping2D): channelsFirst is
 * refused by name rather than computed wrongly.
 */
export function requireChannelsLast(layer: string, className: string, dataFormat: DataFormat | undefined): void {
  if (dataFormatOf(layer, className, dataFormat) === 'channelsLast') return;
  throw new NncError('NNC1006', `${className}: dataFormat 'channelsFirst' is not supported by this layer`, {
    location: { layer },
    hint: "Leave dataFormat out (or 'channelsLast'), or put a layers.permute() before the layer.",
  });
}

/** A 4-D shape in the other format's axis order (`perm` one of the two above). */
export const permuteShape = (shape: Shape, perm: readonly number[]): Shape => perm.map((p) => shape[p]!);

/**
 * Every image kernel is channels-last (NHWC): a channels-first layer computes
 * `transpose(f(transpose(x)))`, and the layout pass cancels the transposes between such layers.
 */
export function throughChannelsLast(b: GraphBuilder, x: Node, format: DataFormat, f: (nhwc: Node) => Node): Node {
  if (format === 'channelsLast') return f(x);
  return b.op('transpose', [f(b.op('transpose', [x], { perm: [...NCHW_TO_NHWC] }))], { perm: [...NHWC_TO_NCHW] });
}

/** The output shape of a channels-last rule applied to a shape in `format`. */
export function shapeThroughChannelsLast(shape: Shape, format: DataFormat, f: (nhwc: Shape) => Shape): Shape {
  return format === 'channelsLast' ? f(shape) : permuteShape(f(permuteShape(shape, NCHW_TO_NHWC)), NHWC_TO_NCHW);
}

/** A number or a pair of positive integers, as a pair (poolSize, strides). */
export function intPair(value: number | readonly number[]): [number, number] | undefined {
  // Neither a number nor a list (a hostile JSON config, an untyped model file): no pair.
  const pair = typeof value === 'number' ? [value, value] : Array.isArray(value) ? [...value] : [];
  return pair.length === 2 && pair.every((d) => Number.isInteger(d) && d > 0) ? [pair[0]!, pair[1]!] : undefined;
}
