import { NncError } from '../errors.js';
import { tensor, typedTensor, type Tensor } from '../ir/tensor.js';
import type { DType } from '../ir/types.js';

/**
 * Examples kept as bytes that stand for float32 values (an image's pixel v means `values[v]`):
 * four times smaller than floats, and no 188 MB of fresh pages to fault in for Fashion-MNIST's
 * training set. Batches become float32 as they are gathered (`gatherRows`, `sliceRows`), through
 * the same table, so training sees exactly the numbers a float data set would hold.
 */
export interface ByteExamples {
  readonly shape: readonly number[];
  readonly bytes: Uint8Array;
  readonly values: Float32Array;
}

/** A data set's tensor along axis 0: values, or bytes standing for values. */
export type Examples = Tensor | ByteExamples;

const isBytes = (t: Examples): t is ByteExamples => 'bytes' in t;

/** Elements per example. */
const rowSize = (t: Examples): number => (isBytes(t) ? t.bytes.length : t.data.length) / t.shape[0]!;

/** Number of examples (axis 0) shared by every tensor of a data set. */
export function exampleCount(tensors: readonly Examples[], what: string): number {
  const n = tensors[0]?.shape[0];
  if (n === undefined) throw new NncError('NNC5002', `${what}: no data`);
  for (const t of tensors)
    if (t.shape[0] !== n) throw new NncError('NNC5002', `${what}: tensors disagree on the number of examples (${n} vs ${t.shape[0]})`);
  return n;
}

/**
 * Copies the rows `indices[start, end)` of `t` into a batch tensor: into the front of `buffer`
 * when given (a fit reuses one per input, so its steps allocate nothing for the collector to
 * sweep), else into a new one.
 */
export function gatherRows(t: Examples, indices: ArrayLike<number>, start: number, end: number, buffer?: Float32Array): Tensor {
  return copyRows(t, end - start, (i) => indices[start + i]!, buffer);
}

/** A buffer that holds `rows` rows of `t` as float values, for `gatherRows`. */
export const batchBuffer = (t: Examples, rows: number): Float32Array => new Float32Array(rows * rowSize(t));

/** Rows [start, end) of `t` as values (no copy unless `t` holds bytes). */
export function sliceRows(t: Examples, start: number, end: number): Tensor {
  if (isBytes(t)) return copyRows(t, end - start, (i) => start + i);
  const row = rowSize(t);
  return tensor([end - start, ...t.shape.slice(1)], t.data.subarray(start * row, end * row));
}

/** `count` rows of `t` as float values, row i of the result being row `source(i)` of `t`. */
function copyRows(t: Examples, count: number, source: (i: number) => number, buffer?: Float32Array): Tensor {
  const row = rowSize(t);
  const shape = [count, ...t.shape.slice(1)];
  const out = buffer ? tensor(shape, buffer.subarray(0, count * row)) : tensor(shape);
  const data = out.data as Float32Array;
  const words = isBytes(t) && row % 4 === 0 ? wordsOf(t.bytes) : undefined;
  for (let i = 0; i < count; i++) {
    const src = source(i) * row;
    const dst = i * row;
    if (!isBytes(t)) data.set(t.data.subarray(src, src + row), dst);
    else if (words) decodeWords(words, t.values, src / 4, data, dst, row / 4);
    else decodeRow(t.bytes, t.values, src, data, dst, row);
  }
  return out;
}

function decodeRow(bytes: Uint8Array, values: Float32Array, src: number, data: Float32Array, dst: number, row: number): void {
  for (let k = 0; k < row; k++) data[dst + k] = values[bytes[src + k]!]!;
}

const LITTLE_ENDIAN = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1;
const wordViews = new WeakMap<Uint8Array, Uint32Array | null>();

/**
 * The bytes read four at a time, as little-endian words, where they start 4-aligned: decoding a
 * batch of Fashion-MNIST then takes ~30 µs instead of 45–85 (one load per four pixels, not
 * four). Undefined where they cannot be.
 */
function wordsOf(bytes: Uint8Array): Uint32Array | undefined {
  let words = wordViews.get(bytes);
  if (words === undefined) {
    words = LITTLE_ENDIAN && bytes.byteOffset % 4 === 0 ? new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2) : null;
    wordViews.set(bytes, words);
  }
  return words ?? undefined;
}

/** decodeRow over `words` words: each word's four bytes, lowest first. */
function decodeWords(words: Uint32Array, values: Float32Array, src: number, data: Float32Array, dst: number, count: number): void {
  for (let k = 0; k < count; k++) {
    const w = words[src + k]!;
    const d = dst + 4 * k;
    data[d] = values[w & 255]!;
    data[d + 1] = values[(w >>> 8) & 255]!;
    data[d + 2] = values[(w >>> 16) & 255]!;
    data[d + 3] = values[w >>> 24]!;
  }
}

/** Examples [start, end) of `t`, in the form `t` has (bytes stay bytes; no copy). */
export function sliceExamples(t: Examples, start: number, end: number): Examples {
  if (!isBytes(t)) return sliceRows(t, start, end);
  const row = rowSize(t);
  return { shape: [end - start, ...t.shape.slice(1)], bytes: t.bytes.subarray(start * row, end * row), values: t.values };
}

/** Every example of `t` as float values (for code that reads a whole data set at once). */
export function exampleValues(t: Examples): Tensor {
  return sliceRows(t, 0, t.shape[0]!);
}

/**
 * The same examples viewed with another row shape of as many elements (no copy): Fashion-MNIST's
 * [28, 28] images for a model whose input is [28, 28, 1], as Keras users reshape them.
 */
export function reshapeExamples(t: Examples, rowShape: readonly number[]): Examples {
  const count = rowShape.reduce((a, d) => a * d, 1);
  if (count !== rowSize(t)) throw new NncError('NNC5002', `examples of shape [${t.shape.slice(1).join(',')}] cannot be viewed as [${rowShape.join(',')}]`);
  const shape = [t.shape[0]!, ...rowShape];
  return isBytes(t) ? { ...t, shape } : tensor(shape, t.data as Float32Array);
}

/**
 * A batch as the model input of `dtype` reads it: data sets hold numbers as floats, and an int32
 * input (an Embedding's token ids) takes them as integers. A fractional value is refused, not
 * truncated: it is a data set that was not meant for ids.
 */
export function asInputDtype(t: Tensor, dtype: DType, what: string): Tensor {
  if (dtype !== 'i32' || t.data instanceof Int32Array) return t;
  const bad = t.data.findIndex((v) => !Number.isInteger(v) || Math.abs(v) > 2 ** 31 - 1);
  if (bad >= 0)
    throw new NncError('NNC5002', `${what} is an int32 input (token ids), but holds ${t.data[bad]} at element ${bad}`, {
      hint: 'Give integer ids in [0, inputDim) for an Embedding input.',
    });
  return typedTensor(t.shape, 'i32', t.data);
}
