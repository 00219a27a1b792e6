/**
 * User-supplied training data: arrays in the model file's `training.data`, or a JSON file of
 * tensors it names (relative to the model file). Either form is
 *   { x, y }  or  { train: { x, y }, test?: { x, y } }
 * where each of x / y is a nested number array (its nesting gives the shape) or
 * { shape: number[], data: number[] }.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { NncError } from '../../errors.js';
import { tensor, type Tensor } from '../../ir/tensor.js';
import { valuesByName } from './by-name.js';
import type { Split } from './dataset.js';

export type NestedArray = number | readonly NestedArray[];
export type TensorLike = NestedArray | ArrayLike<number> | { readonly shape: readonly number[]; readonly data: ArrayLike<number> };
/** x and y: one tensor, or (several inputs / outputs) a list in order or an object keyed by name. */
export interface ArrayData {
  readonly x: TensorLike | readonly TensorLike[] | Readonly<Record<string, TensorLike>>;
  readonly y: TensorLike | readonly TensorLike[] | Readonly<Record<string, TensorLike>>;
}

/** The model's input and output names, which x and y are matched against. */
export interface DataNames {
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
}

/** A nested number array, a typed array or { shape, data }: what toTensor takes. */
export function isTensorLike(v: unknown): v is TensorLike {
  if (typeof v === 'number' || ArrayBuffer.isView(v)) return true;
  if (Array.isArray(v)) return v.length === 0 || isTensorLike(v[0]);
  return typeof v === 'object' && v !== null && 'shape' in v && 'data' in v;
}
export type UserData = ArrayData | { readonly train: ArrayData; readonly test?: ArrayData } | string;

export function toTensor(value: TensorLike, what: string): Tensor {
  if (value && typeof value === 'object' && 'shape' in value && 'data' in value) {
    const t = value as { shape: readonly number[]; data: ArrayLike<number> };
    return tensor(t.shape, Float32Array.from(t.data));
  }
  const shape: number[] = [];
  let probe: unknown = value;
  while (Array.isArray(probe) || ArrayBuffer.isView(probe)) {
    const arr = probe as ArrayLike<unknown>;
    shape.push(arr.length);
    probe = arr[0];
  }
  const flat = (Array.isArray(value) ? (value as unknown[]).flat(Infinity) : Array.from(value as ArrayLike<number>)) as unknown[];
  const size = shape.reduce((a, d) => a * d, 1);
  if (flat.length !== size || !flat.every((v) => typeof v === 'number'))
    throw new NncError('NNC5002', `${what} is not a rectangular array of numbers`, { hint: 'Give x and y as nested arrays of equal lengths, or { shape, data }.' });
  return tensor(shape, Float32Array.from(flat as number[]));
}

function toSplit(d: ArrayData, what: string, names: DataNames): Split {
  const tensors = (value: unknown, keys: readonly string[], part: string) =>
    valuesByName(value, keys, `${what}.${part}`, isTensorLike).map((t, i) => toTensor(t, keys.length === 1 ? `${what}.${part}` : `${what}.${part}.${keys[i]}`));
  return { x: tensors(d.x, names.inputs, 'x'), y: tensors(d.y, names.outputs, 'y') };
}

/** Resolves `training.data` of a model file into a train split and an optional test split. */
export function loadUserData(data: UserData, modelFile: string, names: DataNames): { train: Split; test?: Split; source: string } {
  let value: Exclude<UserData, string>;
  let source = 'arrays in the model file';
  if (typeof data === 'string') {
    const path = resolve(dirname(modelFile), data);
    if (!existsSync(path)) throw new NncError('NNC5003', `training data file '${data}' not found (looked at ${path})`);
    try {
      value = JSON.parse(readFileSync(path, 'utf8')) as Exclude<UserData, string>;
    } catch (e) {
      throw new NncError('NNC5002', `training data file '${data}' is not valid JSON: ${(e as Error).message}`, { cause: e });
    }
    source = `tensors in ${data}`;
  } else value = data;
  if ('train' in value) return { train: toSplit(value.train, 'train', names), ...(value.test ? { test: toSplit(value.test, 'test', names) } : {}), source };
  return { train: toSplit(value, 'data', names), source };
}
