/**
 * The arithmetic of a window sliding over one spatial axis, shared by convolutions and pooling:
 * TensorFlow's 'valid' (whole windows only) and 'same' (ceil(size / stride) outputs, the missing
 * total padded around x with the odd cell after) padding.
 */
import type { Attrs } from '../graph.js';
import { ShapeError } from '../registry.js';

/** An attribute holding two positive integers (a window, strides, dilations). */
export function positivePair(attrs: Attrs, key: string, op: string): [number, number] {
  const v = attrs[key] as readonly number[];
  if (v.length !== 2 || v.some((d) => !Number.isInteger(d) || d < 1)) throw new ShapeError(`${op} ${key} must be two positive integers, got [${v.join(',')}]`);
  return [v[0]!, v[1]!];
}

/** Outputs along one axis of `size` cells, and the padding before x, for a window `span` cells wide. */
export function windowAxis(size: number, span: number, stride: number, padding: unknown, op: string): { out: number; before: number } {
  if (padding === 'valid') {
    if (size < span) throw new ShapeError(`${op}: a window of ${span} does not fit in ${size} cells with padding 'valid'`);
    return { out: Math.floor((size - span) / stride) + 1, before: 0 };
  }
  if (padding !== 'same') throw new ShapeError(`${op} padding must be 'valid' or 'same', got '${String(padding)}'`);
  const out = Math.ceil(size / stride);
  return { out, before: Math.floor(Math.max((out - 1) * stride + span - size, 0) / 2) };
}
