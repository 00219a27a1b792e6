/**
 * A model's data as Keras takes it: for a model with one input (output), the tensor itself; for
 * several, a list in input (output) order or an object keyed by input (output) name. The same
 * rule serves `fit` from code, `training.data` in a model file and a JSON tensor file.
 */
import { NncError } from '../../errors.js';
import { ownEntry } from '../../own-keys.js';

const isPlainObject = (v: unknown): v is Readonly<Record<string, unknown>> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v) && Object.getPrototypeOf(v) === Object.prototype;

/**
 * The values for `names`, in order. `isTensor` tells one tensor from a list or an object of them
 * (a nested array is one tensor when the model has one input: its nesting is the shape).
 */
export function valuesByName<T>(value: unknown, names: readonly string[], what: string, isTensor: (v: unknown) => v is T): T[] {
  const expected = names.length === 1 ? `one tensor, or { ${names[0]}: tensor }` : `a list of ${names.length} tensors in the order ${names.join(', ')}, or an object keyed by those names`;
  const bad = (detail: string) => new NncError('NNC5002', `${what} ${detail}`, { hint: `Give ${what} as ${expected}.` });
  if (names.length === 1 && isTensor(value) && !(isPlainObject(value) && ownEntry(value, names[0]!) !== undefined)) return [value];
  if (Array.isArray(value) && names.length > 1) {
    if (value.length !== names.length) throw bad(`lists ${value.length} tensor(s) for ${names.length}`);
    return value.map((v, i) => {
      if (!isTensor(v)) throw bad(`[${i}] (for '${names[i]}') is not a tensor`);
      return v;
    });
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) if (!names.includes(key)) throw bad(`names '${key}', which is not one of ${names.join(', ')}`);
    return names.map((name) => {
      const v = ownEntry(value, name);
      if (v === undefined) throw bad(`has no tensor for '${name}'`);
      if (!isTensor(v)) throw bad(`.${name} is not a tensor`);
      return v;
    });
  }
  throw bad(names.length === 1 ? 'is not a tensor' : `is not a list or an object of ${names.length} tensors`);
}
