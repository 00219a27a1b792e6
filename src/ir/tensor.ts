import type { DType } from './types.js';

/** Storage of each dtype: f32 in a Float32Array, i32 in an Int32Array, bool (0/1) in a Uint8Array. */
export type TensorData = Float32Array | Int32Array | Uint8Array;

/**
 * A concrete tensor for the reference interpreter: row-major data and a shape. `data` is the
 * typed array of its dtype (see TensorData); a tensor without `dtype` is f32.
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: TensorData;
}

export function tensor(shape: readonly number[], data?: Float32Array | ArrayLike<number>): Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  const buf = data === undefined ? new Float32Array(size) : data instanceof Float32Array ? data : Float32Array.from(data);
  if (buf.length !== size) throw new Error(`tensor: ${buf.length} values for shape [${shape.join(',')}]`);
  return { shape: [...shape], data: buf };
}

/** The typed array of a dtype holding `values` (rounded to it) or `size` zeros. */
export function dataOf(dtype: DType, values: number | ArrayLike<number>): TensorData {
  const Array_ = dtype === 'f32' ? Float32Array : dtype === 'i32' ? Int32Array : Uint8Array;
  if (typeof values === 'number') return new Array_(values);
  if (values instanceof Array_) return values;
  if (dtype === 'bool') return Uint8Array.from(values, (v) => (v !== 0 ? 1 : 0));
  return Array_.from(values);
}

/** The dtype whose storage `data` is. */
export function dtypeOfData(data: TensorData): DType {
  return data instanceof Float32Array ? 'f32' : data instanceof Int32Array ? 'i32' : 'bool';
}

/** A tensor of `dtype`: `data` converted to its storage (values rounded to it) or zeros. */
export function typedTensor(shape: readonly number[], dtype: DType, data?: ArrayLike<number>): Tensor {
  const size = shape.reduce((n, d) => n * d, 1);
  const buf = dataOf(dtype, data ?? size);
  if (buf.length !== size) throw new Error(`tensor: ${buf.length} values for shape [${shape.join(',')}]`);
  return { shape: [...shape], data: buf };
}

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

export function stridesOf(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/** Broadcast output shape of two concrete shapes (numpy rules), or null if incompatible. */
export function broadcastConcrete(a: readonly number[], b: readonly number[]): number[] | null {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/**
 * Maps every flat index of `outShape` to the flat index of a (broadcast) operand of shape `inShape`.
 * The reference interpreter favours clarity over speed, but this table keeps it O(n).
 */
export function broadcastIndex(outShape: readonly number[], inShape: readonly number[]): Int32Array {
  const n = sizeOf(outShape);
  const map = new Int32Array(n);
  const rank = outShape.length;
  const inStrides = stridesOf(inShape);
  const offset = rank - inShape.length;
  const idx = new Array<number>(rank).fill(0);
  for (let flat = 0; flat < n; flat++) {
    let src = 0;
    for (let d = offset; d < rank; d++) if (inShape[d - offset] !== 1) src += idx[d]! * inStrides[d - offset]!;
    map[flat] = src;
    for (let d = rank - 1; d >= 0; d--) {
      if (++idx[d]! < outShape[d]!) break;
      idx[d] = 0;
    }
  }
  return map;
}

/** The arrays back to back in one Float32Array. */
export function concatFloat32(arrays: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let offset = 0;
  for (const a of arrays) {
    out.set(a, offset);
    offset += a.length;
  }
  return out;
}
