import { NncError } from '../errors.js';
import { GraphBuilder } from './builder.js';
import type { AttrValue, Graph, Node } from './graph.js';
import { opRegistry } from './ops/index.js';
import { parseLoopLine, type LoopLines } from './time-loop.js';
import type { DType, Dim, TensorType } from './types.js';

/**
 * Parses IR text (the printer's format) back into a graph. Weight data is not part of the text:
 * pass `weights` to attach it. Blank lines and `#` comments are ignored. Types are stated on every
 * line and checked against shape inference by the verifier, not trusted blindly.
 */
export function parseGraph(text: string, options: { file?: string; weights?: ReadonlyMap<string, Float32Array> } = {}): Graph {
  const b = new GraphBuilder();
  const values = new Map<string, Node>();
  const loop: LoopLines = { sequences: [], carries: [], perStep: [], reversed: [] };
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const fail = (msg: string): never => {
      throw new NncError('NNC3001', `${msg}: '${line}'`, { location: { file: options.file ?? '<ir>', line: index + 1 } });
    };
    const lookup = (ref: string): Node => values.get(ref) ?? fail(`undefined value %${ref}`);

    if (line.startsWith('loop ')) {
      if (!parseLoopLine(line, loop)) fail('expected `loop sequence "name"`, `loop carry "name"` (optionally `from "output"`), `loop per_step "name"` or `loop reversed "name" of "sequence"`');
      return;
    }
    const out = /^output\s+("(?:[^"\\]|\\.)*")\s*=\s*%([\w./:-]+)$/.exec(line);
    if (out) {
      b.output(JSON.parse(out[1]!) as string, lookup(out[2]!));
      return;
    }
    const m = LINE.exec(line) ?? fail('expected `%name = op operands {attrs} : type`');
    const [, lhs, op, rest, typeList] = m as unknown as [string, string, string, string, string];
    const lhsNames = lhs.split(',').map((s) => s.trim().replace(/^%/, ''));
    const types = typeList.split(/,(?![^[]*\])/).map((t) => parseType(t.trim(), fail));
    const braceAt = rest.indexOf('{');
    const operandText = (braceAt >= 0 ? rest.slice(0, braceAt) : rest).trim();
    const attrText = braceAt >= 0 ? rest.slice(braceAt) : '';
    const operands = operandText ? operandText.split(',').map((s) => lookup(s.trim().replace(/^%/, ''))) : [];
    const attrs = attrText ? parseAttrs(attrText, fail) : {};
    if (opRegistry.get(op)?.inferTypes) {
      // A multi-result op: one name (or `_`) and one type per result; the names are projections.
      if (lhsNames.length !== types.length) fail(`${lhsNames.length} names for ${types.length} result types`);
      const node = b.rawMulti(op, operands, attrs, types);
      lhsNames.forEach((name, k) => {
        if (name === '_') return;
        if (values.has(name)) fail(`%${name} is defined twice`);
        values.set(name, b.project(node, k));
      });
      return;
    }
    const [name] = lhsNames as [string];
    const [type] = types as [TensorType];
    if (lhsNames.length !== 1 || types.length !== 1 || name === '_') fail(`'${op}' has exactly one result`);
    if (values.has(name)) fail(`%${name} is defined twice`);
    let node: Node;
    if (op === 'input') node = b.input(name, type);
    else if (op === 'weight') node = b.weight(name, type, options.weights?.get(name));
    else node = b.raw(op, operands, attrs, type);
    values.set(name, node);
  });
  if (loop.sequences.length + loop.carries.length + loop.perStep.length + loop.reversed.length > 0) b.loop = loop;
  return b.build();
}

const VALUE = String.raw`(?:%[\w./:-]+|_)`;
const TYPE = String.raw`(?:f32|i32|bool)\[[^\]]*\]`;
/** `%a, %b = op operands {attrs} : type, type` (one name and type unless the op has several results). */
const LINE = new RegExp(String.raw`^(${VALUE}(?:\s*,\s*${VALUE})*)\s*=\s*([a-z_][\w]*)\s*(.*?)\s*:\s*(${TYPE}(?:\s*,\s*${TYPE})*)$`);

function parseType(text: string, fail: (msg: string) => never): TensorType {
  const [, dtype, dims] = /^(f32|i32|bool)\[([^\]]*)\]$/.exec(text) as unknown as [string, DType, string];
  const type: TensorType = { dtype, shape: dims === '' ? [] : dims.split(',').map((d): Dim => (d.trim() === '?' ? null : Number(d))) };
  if (type.shape.some((d) => d !== null && !Number.isInteger(d))) fail('bad shape');
  return type;
}

function parseAttrs(text: string, fail: (msg: string) => never): Record<string, AttrValue> {
  if (!text.startsWith('{') || !text.endsWith('}')) fail('attributes must be enclosed in {}');
  const attrs: Record<string, AttrValue> = {};
  const body = text.slice(1, -1);
  // key=value pairs; values are JSON strings, numbers, booleans or [numbers].
  const re = /\s*([A-Za-z_]\w*)\s*=\s*("(?:[^"\\]|\\.)*"|\[[^\]]*\]|[^,}\s]+)\s*(,|$)/y;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body) ?? fail(`bad attribute near '${body.slice(pos)}'`);
    const [, key, value] = m as unknown as [string, string, string];
    attrs[key] = parseAttrValue(value, fail);
    pos = re.lastIndex;
  }
  return attrs;
}

function parseAttrValue(v: string, fail: (msg: string) => never): AttrValue {
  if (v.startsWith('"')) return JSON.parse(v) as string;
  if (v === 'true' || v === 'false') return v === 'true';
  if (v.startsWith('[')) {
    const inner = v.slice(1, -1).trim();
    return inner ? inner.split(',').map((x) => parseNumber(x.trim(), fail)) : [];
  }
  return parseNumber(v, fail);
}

function parseNumber(v: string, fail: (msg: string) => never): number {
  const n = Number(v);
  if (v === '' || Number.isNaN(n) && v !== 'NaN') fail(`bad number '${v}'`);
  return n;
}
