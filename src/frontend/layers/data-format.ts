import { NncError } from '../../errors.js';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import { inversePerm } from '../../ir/ops/transpose.js';
import type { Shape } from '../../ir/types.js';

/** tfjs-layers' spelling of where the channels are. */
export type DataFormat = 'channelsLast' | 'channelsFirst';

/** Keras' config spelling of a data format. */
export const kerasDataFormat = (format: DataFormat): string => (format === 'channelsFirst' ? 'channels_first' : 'channels_last');

/** An image's axes in the format, as shape errors name them. */
export const imageShapeText = (format: DataFormat): string => (format === 'channelsFirst' ? '[batch, channels, height, width]' : '[batch, height, width, channels]');

/** Whether the shape is a 4-D image with known sizes (but the batch). */
export const isKnownImage = (shape: Shape): boolean => shape.length === 4 && shape.slice(1).every((d) => d !== null);

/** The height axis of a 4-D image in the format (the width axis follows it). */
export const heightAxis = (format: DataFormat): 1 | 2 => (format === 'channelsFirst' ? 2 : 1);

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
 * For the 1-D layers, whose channels-first form tfjs-layers does not compute (it ignores
 * dataFormat, or computes another function), so nnc has no reference to check one against:
 * channelsFirst is refused by name, saying `why`, rather than computed unchecked.
 */
export function requireChannelsLast(layer: string, className: string, dataFormat: DataFormat | undefined, why: string): void {
  if (dataFormatOf(layer, className, dataFormat) === 'channelsLast') return;
  throw new NncError('NNC1006', `${className}: dataFormat 'channelsFirst' is not supported: ${why}`, {
    location: { layer },
    hint: "Leave dataFormat out (or 'channelsLast') and give [batch, steps, channels]; layers.permute({ dims: [2, 1] }) turns [batch, channels, steps] into that.",
  });
}

/** A 4-D shape in the other format's axis order (`perm` one of the two above). */
export const permuteShape = (shape: Shape, perm: readonly number[]): Shape => perm.map((p) => shape[p]!);

/** The perm that moves `axis` last, the others keeping their order: [0, 2, 3, 1] (NCHW_TO_NHWC) for axis 1 of rank 4. */
export const axisLastPerm = (rank: number, axis: number): number[] => [...Array.from({ length: rank }, (_, i) => i).filter((i) => i !== axis), axis];

/**
 * `f` (an op along the last axis) over x with `axis` moved last, its result moved back:
 * `transpose(f(transpose(x)))`, no transposes when `axis` is last already.
 */
export function throughAxisLast(b: GraphBuilder, x: Node, axis: number, f: (last: Node) => Node): Node {
  const rank = x.type.shape.length;
  if (axis === rank - 1) return f(x);
  const perm = axisLastPerm(rank, axis);
  return b.op('transpose', [f(b.op('transpose', [x], { perm }))], { perm: inversePerm(perm) });
}

/**
 * Every image kernel is channels-last (NHWC): a channels-first layer computes
 * `transpose(f(transpose(x)))`, and the layout pass cancels the transposes between such layers.
 */
export function throughChannelsLast(b: GraphBuilder, x: Node, format: DataFormat, f: (nhwc: Node) => Node): Node {
  return format === 'channelsLast' ? f(x) : throughAxisLast(b, x, 1, f);
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
