import { closeSync, openSync, readSync } from 'node:fs';
import type { Runner } from '../runners/types.js';
import type { ColdStartRequest } from './protocol.js';

/** The request passed as the child's only argument. */
export function readRequest<T extends ColdStartRequest>(): T {
  const arg = process.argv[2];
  if (!arg) throw new Error('usage: node <child>.js <request JSON>');
  return JSON.parse(arg) as T;
}

/** Imports one runner module by name (only that engine's code is loaded). */
export async function loadRunner(name: string): Promise<Runner> {
  const module = (await import(`../runners/${name}.js`)) as { default: Runner };
  return module.default;
}

/**
 * The first `rows` float32 rows of length `rowSize` of a file of raw float32 values. Reads only
 * those bytes: the cold-start child must not inflate its peak RSS with the whole input file.
 */
export function readRows(file: string, rowSize: number, rows: number): Float32Array {
  const values = new Float32Array(rows * rowSize);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, new Uint8Array(values.buffer), 0, values.byteLength, 0);
  } finally {
    closeSync(fd);
  }
  return values;
}
