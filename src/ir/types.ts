/**
 * Tensor types of the IR. A dimension is a number, or `null` for the symbolic batch
 * dimension (printed `?`). Element types: f32 (float32), i32 (int32, wrapping arithmetic) and
 * bool (one byte, 0 or 1). Each op declares the dtypes it takes (OpDef.dtypes).
 */
export type DType = 'f32' | 'i32' | 'bool';
export const DTYPES: readonly DType[] = ['f32', 'i32', 'bool'];
export type Dim = number | null;
export type Shape = readonly Dim[];

export interface TensorType {
  readonly dtype: DType;
  readonly shape: Shape;
}

export function tensorType(shape: Shape, dtype: DType = 'f32'): TensorType {
  return { dtype, shape: [...shape] };
}

export function formatShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
}

export function formatType(t: TensorType): string {
  return `${t.dtype}${formatShape(t.shape)}`;
}

/** Keras-style shape text: `(None, 784)`. */
export function formatKerasShape(shape: Shape): string {
  const dims = shape.map((d) => (d === null ? 'None' : String(d)));
  return `(${dims.join(', ')}${dims.length === 1 ? ',' : ''})`;
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function sameType(a: TensorType, b: TensorType): boolean {
  return a.dtype === b.dtype && sameShape(a.shape, b.shape);
}

/** Number of elements of the static part of a shape (batch dimension counted as 1). */
export function elementsPerRow(shape: Shape): number {
  return shape.reduce<number>((n, d) => n * (d ?? 1), 1);
}

/** Number of elements for a concrete batch size. */
export function elementCount(shape: Shape, batch = 1): number {
  return shape.reduce<number>((n, d) => n * (d ?? batch), 1);
}

export function concreteShape(shape: Shape, batch: number): number[] {
  return shape.map((d) => d ?? batch);
}

export function bytesOf(dtype: DType): number {
  return dtype === 'bool' ? 1 : 4;
}
