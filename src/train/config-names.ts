import { NncError } from '../errors.js';
import { ownEntry } from '../own-keys.js';

/** `sparse_categorical_crossentropy`, `SparseCategoricalCrossentropy` -> `sparsecategoricalcrossentropy`. */
export function normalizeName(name: string): string {
  return name.replace(/[_\s-]/g, '').toLowerCase();
}

/** Resolves a Keras-style name (any casing, snake_case or camelCase) against a table of aliases. */
export function resolveName<T extends string>(what: string, given: string, table: Record<string, T>): T {
  const hit = typeof given === 'string' ? ownEntry(table, normalizeName(given)) : undefined;
  if (!hit)
    throw new NncError('NNC5005', `unknown ${what} '${given}'`, {
      hint: `Use one of: ${[...new Set(Object.values(table))].join(', ')}.`,
    });
  return hit;
}

/** Reads a numeric option given in camelCase or Keras' snake_case (`learningRate` / `learning_rate`). */
export function numberOption(options: Readonly<Record<string, unknown>>, name: string, fallback: number): number {
  const snake = name.replace(/[A-Z0-9]/g, (c) => `_${c.toLowerCase()}`);
  const v = options[name] ?? options[snake];
  if (v === undefined) return fallback;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new NncError('NNC5005', `option ${name} must be a finite number, got ${String(v)}`);
  return v;
}

export function boolOption(options: Readonly<Record<string, unknown>>, name: string, fallback: boolean): boolean {
  const v = options[name];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw new NncError('NNC5005', `option ${name} must be true or false, got ${String(v)}`);
  return v;
}
