/**
 * Typed attributes. Each op declares its attributes (kind and default) in its AttrSpec table;
 * the builder completes a node's attributes with the defaults when it creates the node, so every
 * node of a graph carries all of them and op code reads `attrs.axis` as it is. The verifier
 * checks every node against its spec (attrProblems), the printer leaves defaults out
 * (printedAttrs) and CSE compares values (sameAttrs).
 */
import type { AttrValue, Attrs } from './graph.js';
import type { AttrKind, AttrSpec, OpDef } from './registry.js';
import { parseScalar } from './scalar-expr.js';

const has = (attrs: Attrs, key: string) => Object.hasOwn(attrs, key) && attrs[key] !== undefined;

/** `attrs` plus the declared default of every attribute it leaves out (the same object if none). */
export function withDefaults(def: OpDef, attrs: Attrs): Attrs {
  let out: Record<string, AttrValue> | undefined;
  for (const [key, spec] of Object.entries(def.attrs)) {
    if (spec.default === undefined || has(attrs, key)) continue;
    out ??= { ...attrs };
    out[key] = spec.default;
  }
  return out ?? attrs;
}

/**
 * Everything wrong with a node's attributes against its op's spec, one message each: names the
 * op does not declare, values of the wrong kind, declared attributes that are absent.
 */
export function attrProblems(def: OpDef, attrs: Attrs): string[] {
  const problems: string[] = [];
  const declared = Object.keys(def.attrs);
  for (const key of Object.keys(attrs)) {
    if (!Object.hasOwn(def.attrs, key)) {
      const takes = declared.length === 0 ? 'takes no attributes' : `takes ${declared.map((k) => `'${k}'`).join(', ')}`;
      problems.push(`unknown attribute '${key}' = ${describeValue(attrs[key])} (${def.name} ${takes})`);
    }
  }
  for (const [key, spec] of Object.entries(def.attrs)) {
    if (!has(attrs, key)) problems.push(`missing attribute '${key}' (${spec.kind})`);
    else if (!isOfKind(spec.kind, attrs[key])) problems.push(`attribute '${key}' must be ${KIND_NAMES[spec.kind]}, got ${describeValue(attrs[key])}`);
  }
  return problems;
}

const KIND_NAMES: Record<AttrKind, string> = {
  int: 'an int (an integer number)',
  float: 'a float (a number)',
  string: 'a string',
  bool: 'a bool (true or false)',
  ints: 'ints (an array of integers)',
  floats: 'floats (an array of numbers)',
  expr: 'an expr (a scalar expression such as "mul($0,2)")',
};

const isInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v);

function isOfKind(kind: AttrKind, v: unknown): boolean {
  switch (kind) {
    case 'int':
      return isInt(v);
    case 'float':
      return typeof v === 'number';
    case 'string':
      return typeof v === 'string';
    case 'bool':
      return typeof v === 'boolean';
    case 'ints':
      return Array.isArray(v) && v.every(isInt);
    case 'floats':
      return Array.isArray(v) && v.every((x) => typeof x === 'number');
    case 'expr':
      if (typeof v !== 'string') return false;
      try {
        parseScalar(v);
        return true;
      } catch {
        return false;
      }
  }
}

/** A value as IR text would show it; anything that is not an attribute value, by its type. */
function describeValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number') return Object.is(v, -0) ? '-0' : String(v);
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `[${v.map(describeValue).join(',')}]`;
  if (v === null || v === undefined) return String(v);
  return `a ${(v as object).constructor?.name ?? typeof v}`;
}

/** Equal attribute values: numbers as Object.is (NaN equals NaN, -0 differs from 0), arrays entry by entry. */
export function sameAttrValue(a: AttrValue, b: AttrValue): boolean {
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => Object.is(x, b[i]));
  }
  return Object.is(a, b);
}

/** The same attribute names with equal values. */
export function sameAttrs(a: Attrs, b: Attrs): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && sameAttrValue(a[k]!, b[k]!));
}

/** True when `value` is the spec's default. */
export function isDefault(spec: AttrSpec, value: AttrValue): boolean {
  return spec.default !== undefined && sameAttrValue(spec.default, value);
}

/**
 * The attributes IR text shows: all but those equal to their default (the parser puts those
 * back), except attributes whose spec asks to be printed always.
 */
export function printedAttrs(def: OpDef | undefined, attrs: Attrs): Attrs {
  if (!def) return attrs;
  const keys = Object.keys(attrs).filter((k) => {
    const spec = Object.hasOwn(def.attrs, k) ? def.attrs[k] : undefined;
    return !spec || spec.printDefault === true || !isDefault(spec, attrs[k]!);
  });
  return keys.length === Object.keys(attrs).length ? attrs : Object.fromEntries(keys.map((k) => [k, attrs[k]!]));
}
