import { hasOwnKey } from '../../own-keys.js';
import type { AttrValue, Attrs } from '../../ir/graph.js';
import { opRegistry } from '../../ir/ops/index.js';

/**
 * What an importer does with each attribute of a foreign op or layer (an ONNX attribute, a tfjs
 * graph node `attr`, a tfjs Layers `config` key), declared as a small table beside the op:
 *
 * - read: the importer honours every value; `default` is the format's value when it is absent;
 * - only: the importer honours these values only (the first is the format's default); another
 *   value present is refused;
 * - ignored: the attribute means nothing for inference (a dtype annotation, a name, how weights
 *   that are loaded anyway were initialized), so it is never read.
 *
 * An attribute the table does not name is refused whenever it is present: nothing is dropped
 * unseen. `attrProblems` lists every refusal of one op at once, `readAttrs` gives the values with
 * the defaults applied.
 */
export interface ReadRule<V> {
  readonly kind: 'read';
  readonly default: V;
  /** What a present value must be, in words ('a number') and as a test. */
  readonly expected: string;
  readonly accepts: (v: unknown) => boolean;
}
export interface OnlyRule<V> {
  readonly kind: 'only';
  readonly values: readonly [V, ...V[]];
  /** Why other values are refused, where the refusal should say it. */
  readonly why?: string;
}
export interface IgnoredRule {
  readonly kind: 'ignored';
}
export type AttrRule = ReadRule<unknown> | OnlyRule<unknown> | IgnoredRule;
export type AttrTable = Readonly<Record<string, AttrRule>>;

/** The values an op's build function sees: every attribute that is not ignored, defaults applied. */
export type AttrValues<T extends AttrTable> = {
  readonly [K in keyof T as T[K] extends IgnoredRule ? never : K]: T[K] extends ReadRule<infer V> ? V : T[K] extends OnlyRule<infer V> ? V : never;
};

function reader<V>(expected: string, accepts: (v: unknown) => v is V) {
  function read(): ReadRule<V | undefined>;
  function read(dflt: V): ReadRule<V>;
  function read(dflt?: V): ReadRule<V | undefined> {
    return { kind: 'read', default: dflt, expected, accepts };
  }
  return read;
}

/** A finite number, read as is. */
export const number = reader('a number', (v): v is number => typeof v === 'number' && Number.isFinite(v));
/** An integer, read as is. */
export const integer = reader('an integer', (v): v is number => Number.isInteger(v));
export const boolean = reader('a boolean', (v): v is boolean => typeof v === 'boolean');
export const string = reader('a string', (v): v is string => typeof v === 'string');
export const integers = reader('a list of integers', (v): v is number[] => Array.isArray(v) && v.every((x) => Number.isInteger(x)));
/** A list of finite numbers (FLOATS). */
export const numbers = reader('a list of numbers', (v): v is number[] => Array.isArray(v) && v.every((x) => typeof x === 'number' && Number.isFinite(x)));
export const strings = reader('a list of strings', (v): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string'));
/** Any value: the build function checks it (a shape, an activation name, ...). */
export const anyValue = reader('any value', (v): v is unknown => true);

/** Honoured for these values only; the first is the format's default. */
export const only = <const V>(...values: [V, ...V[]]): OnlyRule<V> => ({ kind: 'only', values });
/** As `only`, and a refusal says `why`. */
export const onlyBecause = <const V>(why: string, ...values: [V, ...V[]]): OnlyRule<V> => ({ kind: 'only', values, why });
/** Means nothing for inference; never read. */
export const ignored: IgnoredRule = { kind: 'ignored' };

/**
 * Attribute values as a file stores them: float attributes are float32, so 0.2 comes back as
 * 0.20000000298...; two numbers are the same when they are equal as float32.
 */
export function sameAttrValue(a: unknown, b: unknown): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.fround(a) === Math.fround(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameAttrValue(x, b[i]));
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A value as a diagnostic shows it (JSON, long values shortened). */
export function formatAttrValue(v: unknown): string {
  const text = v === undefined ? 'undefined' : (JSON.stringify(v) ?? String(v));
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** The wording of one refusal: `Gemm attribute transA = 1 is not supported (only 0)`. */
export function attrRefusal(what: string, noun: string, name: string, value: unknown, why: string): string {
  return `${what} ${noun} ${name} = ${formatAttrValue(value)} ${why}`;
}

/**
 * Every present attribute the table does not accept, as refusal texts: names the table does not
 * know, values an `only` rule does not list, values a `read` rule cannot take. `what` names the
 * op or layer class, `noun` the format's word for an attribute. Absent (undefined) values are
 * skipped: they take the default.
 */
export function attrProblems(table: AttrTable, present: Iterable<readonly [string, unknown]>, what: string, noun: string): string[] {
  const problems: string[] = [];
  for (const [name, value] of present) {
    if (value === undefined) continue;
    if (!hasOwnKey(table, name)) {
      problems.push(attrRefusal(what, noun, name, value, `is not one nnc knows for ${what}`));
      continue;
    }
    const rule = table[name]!;
    if (rule.kind === 'only' && !rule.values.some((v) => sameAttrValue(v, value)))
      problems.push(attrRefusal(what, noun, name, value, `is not supported (only ${rule.values.map(formatAttrValue).join(' or ')})${rule.why ? `: ${rule.why}` : ''}`));
    else if (rule.kind === 'read' && !rule.accepts(value)) problems.push(attrRefusal(what, noun, name, value, `is not ${rule.expected}`));
  }
  return problems;
}

/** The values of the table's non-ignored attributes, defaults applied (call after attrProblems found none). */
export function readAttrs<T extends AttrTable>(table: T, present: ReadonlyMap<string, unknown>): AttrValues<T> {
  const out: Record<string, unknown> = {};
  for (const [name, rule] of Object.entries(table)) {
    if (rule.kind === 'ignored') continue;
    const value = present.get(name);
    out[name] = value !== undefined ? value : rule.kind === 'read' ? rule.default : rule.values[0];
  }
  return out as AttrValues<T>;
}

/**
 * The IR attributes of an op among an importer's values: those the IR op declares (a dtype check
 * such as tfjs' T stays with the importer) that differ from the op's defaults (as float32), so
 * that a model using the defaults gets the same IR as one written with the Layers API.
 */
export function irAttrs(op: string, values: Readonly<Record<string, unknown>>): Attrs {
  const specs = opRegistry.get(op)?.attrs ?? {};
  const out: Record<string, AttrValue> = {};
  for (const [k, v] of Object.entries(values)) {
    if (!hasOwnKey(specs, k)) continue;
    const dflt = specs[k]!.default;
    if (dflt === undefined || !sameAttrValue(dflt, v)) out[k] = v as AttrValue;
  }
  return out;
}
