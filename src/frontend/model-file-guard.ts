import { Script } from 'node:vm';
import { NncError } from '../errors.js';

/** How long a model file may run while it loads, unless the caller says otherwise. */
export const DEFAULT_TIME_LIMIT_SECONDS = 30;

/**
 * The built-ins nnc itself calls. A model file that replaces one of their methods (say
 * `Array.prototype.map`) would change what the compiler computes, so such a file is refused.
 */
const GUARDED_BUILTINS: ReadonlyArray<readonly [string, object]> = [
  ['Object', Object], ['Object.prototype', Object.prototype],
  ['Array', Array], ['Array.prototype', Array.prototype],
  ['Function.prototype', Function.prototype],
  ['String.prototype', String.prototype], ['Number', Number], ['Number.prototype', Number.prototype],
  ['Math', Math], ['JSON', JSON], ['Reflect', Reflect],
  ['Map.prototype', Map.prototype], ['Set.prototype', Set.prototype],
  ['Promise', Promise], ['Promise.prototype', Promise.prototype],
  ['Float32Array.prototype', Float32Array.prototype], ['Int32Array.prototype', Int32Array.prototype],
  ['Uint8Array.prototype', Uint8Array.prototype], ['TypedArray.prototype', Object.getPrototypeOf(Float32Array.prototype) as object],
  ['ArrayBuffer.prototype', ArrayBuffer.prototype], ['WebAssembly', WebAssembly],
];

/** Every own property of every guarded built-in, as it was. */
type Snapshot = ReadonlyArray<ReadonlyMap<PropertyKey, PropertyDescriptor>>;

const snapshotBuiltins = (): Snapshot =>
  GUARDED_BUILTINS.map(([, target]) => new Map(Reflect.ownKeys(target).map((key) => [key, Reflect.getOwnPropertyDescriptor(target, key)!])));

const sameDescriptor = (a: PropertyDescriptor | undefined, b: PropertyDescriptor | undefined): boolean =>
  a !== undefined && b !== undefined && Object.is(a.value, b.value) && a.get === b.get && a.set === b.set && a.writable === b.writable;

/** The built-in properties a run changed, put back as they were: `['Array.prototype.map']`. */
function restoreChangedBuiltins(before: Snapshot): string[] {
  const changed: string[] = [];
  GUARDED_BUILTINS.forEach(([name, target], i) => {
    const was = before[i]!;
    for (const key of new Set([...was.keys(), ...Reflect.ownKeys(target)])) {
      const original = was.get(key);
      if (sameDescriptor(original, Reflect.getOwnPropertyDescriptor(target, key))) continue;
      changed.push(`${name}.${String(key)}`);
      if (original) Reflect.defineProperty(target, key, original);
      else Reflect.deleteProperty(target, key);
    }
  });
  return changed;
}

/** Runs the stored thunk inside a script, which is what lets V8 stop it at the time limit. */
const RUN_KEY = Symbol.for('nnc.modelFileRun');
const RUN_STORED = new Script(`globalThis[Symbol.for('nnc.modelFileRun')]()`, { filename: 'nnc:model-file' });
let depth = 0;

export interface GuardOptions {
  /** The path shown in diagnostics. */
  readonly shownPath: string;
  readonly timeLimitSeconds?: number;
}

/**
 * Runs a model file's top level (and, through `run`, whatever it imports) so that an endless loop
 * stops at the time limit and a replaced built-in is put back: both become diagnostics instead of
 * a hang or a compiler that computes something else. Nested model sources share the outer limit.
 */
export function runModelFileGuarded<T>(run: () => T, options: GuardOptions): T {
  if (depth > 0) return run();
  const seconds = options.timeLimitSeconds ?? DEFAULT_TIME_LIMIT_SECONDS;
  const before = snapshotBuiltins();
  let result: T | undefined;
  depth++;
  (globalThis as Record<symbol, unknown>)[RUN_KEY] = () => {
    result = run();
  };
  try {
    RUN_STORED.runInThisContext({ timeout: Math.max(1, Math.round(seconds * 1000)) });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_SCRIPT_EXECUTION_TIMEOUT')
      throw new NncError('NNC1020', `'${options.shownPath}' was still running after ${seconds} s`, { location: { file: options.shownPath } });
    throw e;
  } finally {
    depth--;
    delete (globalThis as Record<symbol, unknown>)[RUN_KEY];
    const changed = restoreChangedBuiltins(before);
    if (changed.length > 0)
      // eslint-disable-next-line no-unsafe-finally -- this diagnostic outranks whatever the run threw
      throw new NncError('NNC1021', `'${options.shownPath}' replaced ${changed.join(', ')}`, { location: { file: options.shownPath } });
  }
  return result as T;
}
