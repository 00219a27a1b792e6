import { NncError } from '../../errors.js';

/** tfjs-layers' spelling of where the channels are. */
export type DataFormat = 'channelsLast' | 'channelsFirst';

/**
 * nnc's image layers are channels-last (NHWC). channelsFirst is refused by name rather than
 * computed wrongly; a layout pass that transposes around such layers would lift this.
 */
export function requireChannelsLast(layer: string, className: string, dataFormat: DataFormat | undefined): void {
  if (dataFormat === undefined || dataFormat === 'channelsLast') return;
  throw new NncError('NNC1006', `${className}: dataFormat '${String(dataFormat)}' is not supported; nnc's image layers are channelsLast ([batch, height, width, channels])`, {
    location: { layer },
    hint: "Leave dataFormat out (or 'channelsLast') and give the input as [height, width, channels].",
  });
}

/** A number or a pair of positive integers, as a pair (poolSize, strides). */
export function intPair(value: number | readonly number[]): [number, number] | undefined {
  // Neither a number nor a list (a hostile JSON config, an untyped model file): no pair.
  const pair = typeof value === 'number' ? [value, value] : Array.isArray(value) ? [...value] : [];
  return pair.length === 2 && pair.every((d) => Number.isInteger(d) && d > 0) ? [pair[0]!, pair[1]!] : undefined;
}
