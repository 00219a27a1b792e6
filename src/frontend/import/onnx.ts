import { readFileSync, statSync } from 'node:fs';
import { checkWeightBytes } from '../weight-limit.js';
import onnxProto from 'onnx-proto';
import { NncError } from '../../errors.js';
import { ownEntry } from '../../own-keys.js';
import { GraphBuilder } from '../../ir/builder.js';
import type { Graph, Node } from '../../ir/graph.js';
import type { TensorData } from '../../ir/tensor.js';
import { elementCount, type Dim, type DType } from '../../ir/types.js';
import { attrProblems, attrRefusal, readAttrs, type AttrTable } from './attributes.js';
import { derivedWeights, ImportProblems } from './problems.js';
import { irSafeName } from './shared.js';
import { ONNX_CNN_OPS } from './onnx-cnn.js';
import { ONNX_MATH_OPS } from './onnx-math.js';
import { evaluateConstant, isKnown, known, materialize, type Known } from './onnx-known.js';
import { ONNX_SHAPE_OPS } from './onnx-shape.js';
import { ONNX_RNN_OPS } from './onnx-rnn.js';
import { inlineFunctions } from './onnx-functions.js';
import { elemTypeName, initDtype, irDtype, nodeName } from './onnx-op.js';

const { onnx } = onnxProto;

/** What the command line (or the library caller) adds to an ONNX file. */
export interface OnnxImportOptions {
  /**
   * Graph inputs made constants (`--freeze NAME=VALUES`): a shape-determining input (Reshape's
   * target, Pad's pads, ...) must be known when the model is built. Dims default to the input's
   * declared ones (a list of n values for a rank-1 or undeclared input).
   */
  readonly freeze?: Readonly<Record<string, FrozenValue>>;
  /** Sizes of inputs' symbolic axes (`--shape NAME=DIMS`); null keeps the first axis as the batch. */
  readonly shapes?: Readonly<Record<string, readonly (number | null)[]>>;
}
export interface FrozenValue {
  readonly dims?: readonly number[];
  readonly values: readonly number[];
}

/** The parts of an ONNX graph nnc reads, with protobuf's optional fields resolved. */
export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  /** Attribute values: numbers, strings, lists of them; tensors and graphs as a short description. */
  readonly attrs: ReadonlyMap<string, unknown>;
}
export interface OnnxInit {
  readonly name: string;
  readonly dims: number[];
  /** The ONNX element type's name (FLOAT, INT64, ...). */
  readonly elemType: string;
  /**
   * The values as numbers, for initializers read at import (Reshape's shape, Split's sizes, flags):
   * int64 values as the nearest double, bool as 0 / 1.
   */
  readonly data: ArrayLike<number> & Iterable<number>;
  /** The IR dtype and data of the initializer as a weight; int64 values outside int32 are NNC6001. */
  weight(): { dtype: DType; data: TensorData };
}
interface OnnxGraph {
  /** The version of the default (ai.onnx) operator set the model imports. */
  readonly opset: number;
  readonly nodes: OnnxNode[];
  readonly initializers: Map<string, OnnxInit>;
  readonly inputs: { name: string; elemType: number; dims: { value: number; param: string; sized: boolean }[] }[];
  readonly outputs: { name: string; elemType: number }[];
}

const DataType = onnx.TensorProto.DataType;

export { nodeName };

/**
 * Imports an ONNX model (MLPs and their relatives; FLOAT, INT32, INT64 as int32 and BOOL values)
 * straight into nnc IR. Each supported
 * ONNX op is one entry in ONNX_OPS: the attributes it reads (or ignores) and how it becomes IR.
 * Unsupported ops, and attributes an op does not handle set to values other than their
 * defaults, are all reported at once, by node. An input whose first axis is symbolic (a dim_param,
 * or no size) has the batch axis there; an input whose axes all have sizes has no batch axis and
 * is taken as written (a rank-0 input is a scalar).
 */
export function loadOnnxGraph(path: string, options: OnnxImportOptions = {}): Graph {
  const graph = readOnnx(path);
  checkValueNames(graph, path);
  checkOptionNames(graph, options, path);
  const b = new GraphBuilder();
  const values = new Map<string, Node>();
  const knownValues = new Map<string, Known>();
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    const frozen = ownEntry(options.freeze ?? {}, input.name);
    if (frozen) {
      knownValues.set(input.name, frozenValue(input, frozen, path));
      continue;
    }
    const given = ownEntry(options.shapes ?? {}, input.name);
    if (given && given.length !== input.dims.length)
      throw new NncError('NNC6002', `--shape ${input.name} gives ${given.length} dims, but the input has ${input.dims.length}`, { location: { file: path } });
    const shape: Dim[] = input.dims.map((d, i) => {
      if (given) {
        const v = given[i]!;
        if (v === null && i !== 0) throw new NncError('NNC6002', `--shape ${input.name}: only the first axis may stay symbolic (the batch)`, { location: { file: path } });
        if (d.value > 0 && v !== d.value) throw new NncError('NNC6002', `--shape ${input.name} gives ${v ?? '?'} for axis ${i}, which the model declares as ${d.value}`, { location: { file: path } });
        return v;
      }
      if (d.value > 0) return d.value;
      if (d.sized)
        throw new NncError('NNC6002', `input '${input.name}' has size ${d.value} on axis ${i}; sizes must be positive`, {
          location: { file: path },
          hint: 'Give the axis a positive size, or a name (dim_param) for the batch axis.',
        });
      if (i === 0) return null;
      throw new NncError('NNC6001', `input '${input.name}' has a symbolic axis ${i}${d.param ? ` ('${d.param}')` : ' (no size)'}`, {
        location: { file: path },
        hint: `Only the first (batch) axis may be symbolic: give every size with --shape ${input.name}=${input.dims.map((e, k) => (e.value > 0 ? e.value : k === 0 ? '?' : 'SIZE')).join(',')} ('?' keeps the batch axis).`,
      });
    });
    const dtype = irDtype(input.elemType);
    if (!dtype)
      throw new NncError('NNC6001', `input '${input.name}' has element type ${elemTypeName(input.elemType)}; nnc takes FLOAT, INT32, INT64 (as int32) and BOOL inputs`, {
        location: { file: path },
      });
    values.set(input.name, b.input(irSafeName(input.name), { dtype, shape }));
  }
  const operand = (name: string): Node => {
    const existing = values.get(name);
    if (existing) return existing;
    const k = knownValues.get(name);
    if (k) {
      const node = materialize(b, irSafeName(name), k, (why) => {
        throw problems.at(current ? nodeName(current) : name, why);
      });
      values.set(name, node);
      return node;
    }
    const c = graph.initializers.get(name);
    if (!c) throw new NncError('NNC6002', `value '${name}' is used before it is defined`, { location: { file: path } });
    const { dtype, data } = c.weight();
    const node = b.weight(irSafeName(name), { dtype, shape: c.dims }, data);
    values.set(name, node);
    return node;
  };
  const read = new Set([...graph.nodes.flatMap((n) => n.input), ...graph.outputs.map((o) => o.name)]);
  const problems = new ImportProblems(path, {
    missingOpsHint: () => `Supported ONNX ops: ${Object.keys(ONNX_OPS).join(', ')}. Attributes are honoured only where named as supported.`,
    refusedHint: 'nnc honours these attributes only at the values it names; export the model without them or file an issue naming them.',
  });
  let current: OnnxNode | undefined;
  const evaluated = new Map<Node, TensorData | undefined>();
  const ctx: OnnxContext = {
    // Initializers and constant subgraphs are read as known values only while small: shape-like
    // values are, and a large weight stays a weight (fold-constants folds what it is worth).
    known: (name) => {
      const k = knownValues.get(name);
      if (k) return k;
      const c = graph.initializers.get(name);
      if (c) return c.data.length <= KNOWN_LIMIT ? known(c.dims, initDtype(c.elemType), Array.from(c.data)) : undefined;
      const node = values.get(name);
      if (!node || node.type.shape.includes(null) || elementCount(node.type.shape) > KNOWN_LIMIT) return undefined;
      const data = evaluateConstant(b, node, evaluated);
      return data && known(node.type.shape as number[], node.type.dtype, Array.from(data));
    },
    isGraphInput: (name) => graph.inputs.some((i) => i.name === name),
    b,
    path,
    opset: graph.opset,
    constants: graph.initializers,
    // An input the node leaves out (too few inputs, or '' for an optional one it needs) is named.
    operand: (name) => {
      if (!name && current) throw problems.at(nodeName(current), `${current.opType} has no input where it needs one (it has ${current.input.length})`);
      return operand(name);
    },
    isRead: (name) => name !== '' && read.has(name),
    derivedWeight: derivedWeights(b),
    refuse: (n, attr, value, why) => {
      throw problems.at(nodeName(n), attrRefusal(n.opType, 'attribute', attr, value, why));
    },
    refuseNode: (n, detail) => {
      throw problems.at(nodeName(n), `${n.opType}: ${detail}`);
    },
  };
  // Every problem is collected: an unsupported op, attributes its table refuses, values refused
  // while building (those that depend on shapes or operands). The nodes reading a refused node's
  // outputs are skipped, all others still checked.
  const poisoned = new Set<string>();
  for (const n of graph.nodes) {
    current = n;
    const def = onnxOp(n);
    if (!def) problems.missingOp(problems.at(nodeName(n), `ONNX op ${n.domain && n.domain !== 'ai.onnx' ? `${n.domain}.` : ''}${n.opType}`));
    const refusals = def ? attrProblems(def.attrs, n.attrs, n.opType, 'attribute').map((p) => problems.at(nodeName(n), p)) : [];
    problems.refuse(...refusals);
    b.currentLayer = nodeName(n);
    const built =
      def !== undefined &&
      refusals.length === 0 &&
      !n.input.some((i) => poisoned.has(i)) &&
      problems.build(() => {
        const produced = def.build(n, ctx, readAttrs(def.attrs, n.attrs));
        if (isKnown(produced)) {
          if (n.output[0]) knownValues.set(n.output[0], produced);
          return;
        }
        const results: readonly Node[] = isNodeList(produced) ? produced : [produced];
        // Every output nnc computes is kept; one it cannot compute is refused only if something reads it.
        n.output.forEach((name, k) => {
          if (!name) return;
          const value = results[k];
          if (value) values.set(name, value);
          else if (ctx.isRead(name))
            ctx.refuseNode(n, `output ${k} ('${name}') is used, but nnc computes only ${results.length === 1 ? 'output 0' : `outputs 0-${results.length - 1}`} of this op`);
        });
      });
    if (!built) n.output.forEach((o) => poisoned.add(o));
  }
  b.currentLayer = undefined;
  if (problems.any) throw problems.report();
  if (graph.outputs.length === 0) throw new NncError('NNC6002', `${path} declares no graph outputs`, { location: { file: path }, hint: 'A model returns at least one value: list it in graph.output.' });
  for (const o of graph.outputs) {
    if ((graph.initializers.has(o.name) || knownValues.has(o.name)) && !values.has(o.name))
      throw new NncError('NNC6001', `graph output '${o.name}' is ${graph.initializers.has(o.name) ? 'an initializer' : 'known when the model is built'} (a constant): nnc bundles return values they compute`, {
        location: { file: path },
        hint: 'Drop the output (its value is in the model file), or compute it from an input.',
      });
    const value = operand(o.name);
    // An output's declared element type (when given) is the computed one's: INT64 is computed as i32.
    const declared = o.elemType ? irDtype(o.elemType) : value.type.dtype;
    if (declared !== value.type.dtype)
      throw new NncError('NNC6002', `output '${o.name}' is declared ${elemTypeName(o.elemType)} but computes ${value.type.dtype}`, { location: { file: path } });
    b.output(o.name, value);
  }
  return b.build();
}

/** Every --freeze and --shape names a graph input (a misspelt name is refused, never ignored). */
function checkOptionNames(graph: OnnxGraph, options: OnnxImportOptions, path: string): void {
  const inputs = graph.inputs.filter((i) => !graph.initializers.has(i.name)).map((i) => i.name);
  for (const [flag, given] of [['--freeze', options.freeze], ['--shape', options.shapes]] as const)
    for (const name of Object.keys(given ?? {}))
      if (!inputs.includes(name))
        throw new NncError('NNC6002', `${flag} names '${name}', which is not an input of ${path}`, { location: { file: path }, hint: `The model's inputs: ${inputs.join(', ') || '(none)'}.` });
  const both = Object.keys(options.freeze ?? {}).find((name) => Object.hasOwn(options.shapes ?? {}, name));
  if (both !== undefined) throw new NncError('NNC6002', `input '${both}' is given both --freeze and --shape`, { location: { file: path } });
}

/** A frozen input's known value: its dims (given, declared, or a list) checked against the values. */
function frozenValue(input: OnnxGraph['inputs'][number], frozen: FrozenValue, path: string): Known {
  const where = { location: { file: path } };
  const dtype = irDtype(input.elemType);
  if (!dtype) throw new NncError('NNC6001', `input '${input.name}' has element type ${elemTypeName(input.elemType)}; --freeze takes FLOAT, INT32, INT64 and BOOL inputs`, where);
  const declared = input.dims.every((d) => d.value > 0) ? input.dims.map((d) => d.value) : undefined;
  const dims = frozen.dims ?? declared ?? [frozen.values.length];
  const count = dims.reduce((p, d) => p * d, 1);
  if (count !== frozen.values.length) throw new NncError('NNC6002', `--freeze ${input.name} gives ${frozen.values.length} values for dims [${dims.join(', ')}]`, where);
  if (input.dims.length > 0 && (dims.length !== input.dims.length || input.dims.some((d, i) => d.value > 0 && d.value !== dims[i])))
    throw new NncError('NNC6002', `--freeze ${input.name} gives dims [${dims.join(', ')}], but the input is declared [${input.dims.map((d) => (d.value > 0 ? d.value : d.param || '?')).join(', ')}]`, where);
  if (dtype !== 'f32' && frozen.values.some((v) => !Number.isInteger(v)))
    throw new NncError('NNC6002', `--freeze ${input.name}: the input is ${elemTypeName(input.elemType)}, but a value is not an integer`, where);
  return known(dims, dtype, frozen.values.map((v) => (dtype === 'f32' ? Math.fround(v) : dtype === 'bool' ? (v ? 1 : 0) : v)));
}

/** Elements up to which an initializer or a constant subgraph is read as a known value. */
const KNOWN_LIMIT = 4096;

/** The ONNX IR versions and default-domain opsets whose semantics nnc implements. */
export const ONNX_IR_VERSIONS = { min: 3, max: 11 } as const;
export const ONNX_OPSETS = { min: 7, max: 25 } as const;

/**
 * The model's default-domain opset, after refusing by name an IR version or opset outside what nnc
 * implements: an op's meaning changes across opsets, so a version nnc does not know is never guessed.
 */
function checkVersions(model: InstanceType<typeof onnx.ModelProto>, path: string): number {
  const where = { location: { file: path } };
  const ir = Number(model.irVersion ?? 0);
  if (ir < ONNX_IR_VERSIONS.min || ir > ONNX_IR_VERSIONS.max)
    throw new NncError('NNC6004', `${path} is ONNX IR version ${ir}; nnc reads IR versions ${ONNX_IR_VERSIONS.min} to ${ONNX_IR_VERSIONS.max}`, where);
  const imports = (model.opsetImport ?? []).filter((o) => !o.domain || o.domain === 'ai.onnx');
  if (imports.length === 0) throw new NncError('NNC6002', `${path} imports no version of the ONNX operator set (opset_import)`, where);
  if (imports.length > 1) throw new NncError('NNC6002', `${path} imports the ONNX operator set ${imports.length} times (opset_import)`, where);
  const opset = Number(imports[0]!.version ?? 0);
  if (opset < ONNX_OPSETS.min || opset > ONNX_OPSETS.max)
    throw new NncError('NNC6004', `${path} uses ONNX opset ${opset}; nnc implements opsets ${ONNX_OPSETS.min} to ${ONNX_OPSETS.max}`, where);
  return opset;
}

/**
 * SSA at the door: each graph input and output named once, and each value written once (by one
 * node, or as an input or initializer), so a malformed graph is refused naming the value rather
 * than failing later inside the IR.
 */
function checkValueNames(graph: OnnxGraph, path: string): void {
  const twice = (names: readonly string[]) => names.find((n, i) => names.indexOf(n) !== i);
  const where = (node?: string) => ({ location: { file: path, ...(node ? { node } : {}) } });
  const input = twice(graph.inputs.map((i) => i.name));
  if (input !== undefined) throw new NncError('NNC6002', `graph input '${input}' is declared twice`, where());
  const output = twice(graph.outputs.map((o) => o.name));
  if (output !== undefined) throw new NncError('NNC6002', `graph output '${output}' is declared twice`, where());
  const written = new Set([...graph.inputs.map((i) => i.name), ...graph.initializers.keys()]);
  for (const n of graph.nodes)
    for (const out of n.output) {
      if (out === '') continue; // an optional output left out
      if (written.has(out)) throw new NncError('NNC6002', `value '${out}' is written twice (node '${n.name || n.opType}' writes it again)`, where(n.name || undefined));
      written.add(out);
    }
}

function readOnnx(path: string): OnnxGraph {
  let model: InstanceType<typeof onnx.ModelProto>;
  // The whole file is decoded at once, and its initializers are most of it.
  checkWeightBytes(statSync(path).size, 'the ONNX file', { file: path });
  const bytes = readFileSync(path);
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new NncError('NNC6002', `cannot decode ${path} as an ONNX ModelProto: ${(e as Error).message}`, { location: { file: path } });
  }
  const g = model.graph;
  if (!g) throw new NncError('NNC6002', `${path} has no graph`, { location: { file: path } });
  const opset = checkVersions(model, path);
  return {
    opset,
    nodes: inlineFunctions(model, bytes, opset, path).map((n) => ({
      name: n.name ?? '',
      opType: n.opType ?? '',
      domain: n.domain ?? '',
      input: n.input ?? [],
      output: n.output ?? [],
      attrs: new Map((n.attribute ?? []).map((a) => [a.name ?? '', attributeValue(a)])),
    })),
    initializers: new Map((g.initializer ?? []).map((t) => [t.name ?? '', initializer(t, path)])),
    inputs: (g.input ?? []).map((v) => ({
      name: v.name ?? '',
      elemType: v.type?.tensorType?.elemType ?? DataType.FLOAT,
      // A dim with neither a value nor a name is unknown (symbolic); `sized` tells an explicit 0 from it.
      dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) => ({ value: Number(d.dimValue ?? 0), param: d.dimParam ?? '', sized: Object.hasOwn(d, 'dimValue') })),
    })),
    outputs: (g.output ?? []).map((v) => ({ name: v.name ?? '', elemType: v.type?.tensorType?.elemType ?? 0 })),
  };
}

/** An attribute's value by its declared type (or, in files that omit the type, the field that is set). */
function attributeValue(a: onnxProto.onnx.IAttributeProto): unknown {
  const T = onnx.AttributeProto.AttributeType;
  const has = (field: keyof onnxProto.onnx.IAttributeProto) => Object.hasOwn(a, field) && a[field] != null;
  const type =
    a.type ||
    (has('f') ? T.FLOAT : has('i') ? T.INT : has('s') ? T.STRING : has('t') ? T.TENSOR : has('g') ? T.GRAPH
      : (a.floats?.length ?? 0) > 0 ? T.FLOATS : (a.ints?.length ?? 0) > 0 ? T.INTS : (a.strings?.length ?? 0) > 0 ? T.STRINGS : T.UNDEFINED);
  const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');
  switch (type) {
    case T.FLOAT:
      return a.f ?? 0;
    case T.INT:
      return Number(a.i ?? 0);
    case T.STRING:
      return text(a.s);
    case T.FLOATS:
      return [...(a.floats ?? [])];
    case T.INTS:
      return (a.ints ?? []).map(Number);
    case T.STRINGS:
      return (a.strings ?? []).map(text);
    case T.TENSOR: {
      const t = a.t ?? {};
      // Decoded when read (Constant's value): an element type nnc does not take is refused then.
      return { tensor: (t.dims ?? []).map(Number), elemType: elemTypeName(t.dataType ?? 0), decode: (path: string) => initializer(t, path) };
    }
    default:
      return { attributeType: T[type] ?? type };
  }
}

export interface OnnxContext {
  /** The contents of a value known at import (initializer, Constant, folded shape computation, frozen input). */
  known(name: string): Known | undefined;
  /** True for a graph input (its value, when needed at import, is given with --freeze). */
  isGraphInput(name: string): boolean;
  readonly b: GraphBuilder;
  readonly path: string;
  readonly opset: number;
  readonly constants: ReadonlyMap<string, OnnxInit>;
  /** The IR node for an ONNX value (an initializer becomes a weight node on first use). */
  operand(name: string): Node;
  /** True when a node or a graph output reads the value. */
  isRead(name: string): boolean;
  /** A weight computed from initializers at import (a transposed B), made once per name. */
  derivedWeight(name: string, dims: number[], data: () => Float32Array): Node;
  /** Refuses the node for one attribute's value, for a reason only its operands reveal. */
  refuse(n: OnnxNode, attr: string, value: unknown, why: string): never;
  refuseNode(n: OnnxNode, detail: string): never;
}

const isNodeList = (v: Node | readonly Node[]): v is readonly Node[] => Array.isArray(v);


export interface OnnxOp {
  /** Every attribute the op reads or ignores; any other attribute present is refused. */
  readonly attrs: AttrTable;
  /** The IR value of each ONNX output, in order (a single node for output 0 alone), or output 0's known value. */
  build(n: OnnxNode, ctx: OnnxContext, attrs: Readonly<Record<string, unknown>>): Node | readonly Node[] | Known;
}

function onnxOp(n: OnnxNode): OnnxOp | undefined {
  return !n.domain || n.domain === 'ai.onnx' ? ownEntry(ONNX_OPS, n.opType) : undefined;
}


/** Every supported ONNX op and the IR it becomes. */
const ONNX_OPS: Record<string, OnnxOp> = {
  ...ONNX_CNN_OPS,
  ...ONNX_MATH_OPS,
  ...ONNX_SHAPE_OPS,
  ...ONNX_RNN_OPS,
};

/** Bytes per element of the element types nnc reads. */
const ELEMENT_BYTES: Readonly<Record<number, number>> = { [DataType.FLOAT]: 4, [DataType.INT32]: 4, [DataType.BOOL]: 1, [DataType.INT64]: 8 };

/** An initializer whose data is not what its dims say is refused, naming it (never read past or short). */
function checkInitializerSize(init: OnnxInit, rawBytes: number | undefined, type: number, path: string): OnnxInit {
  const where = { location: { file: path } };
  const bad = init.dims.find((d) => !Number.isSafeInteger(d) || d < 0);
  if (bad !== undefined) throw new NncError('NNC6002', `initializer '${init.name}' has dims [${init.dims.join(', ')}]; each must be a non-negative integer`, where);
  const count = init.dims.reduce((a, d) => a * d, 1);
  if (rawBytes !== undefined && rawBytes !== count * ELEMENT_BYTES[type]!)
    throw new NncError('NNC6002', `initializer '${init.name}' holds ${rawBytes} bytes of raw_data; dims [${init.dims.join(', ')}] of ${init.elemType} need ${count * ELEMENT_BYTES[type]!}`, where);
  if (init.data.length !== count)
    throw new NncError('NNC6002', `initializer '${init.name}' holds ${init.data.length} values; dims [${init.dims.join(', ')}] need ${count}`, where);
  return init;
}

function initializer(t: onnxProto.onnx.ITensorProto, path: string): OnnxInit {
  const type = t.dataType ?? 0;
  const rawBytes = t.rawData && t.rawData.length > 0 ? t.rawData.length : undefined;
  // Raw bytes that are not whole elements cannot be viewed as typed values: refuse them first.
  if (rawBytes !== undefined && ELEMENT_BYTES[type] && rawBytes % ELEMENT_BYTES[type]! !== 0)
    throw new NncError('NNC6002', `initializer '${t.name ?? ''}' holds ${rawBytes} bytes of raw_data, not whole ${elemTypeName(type)} elements`, { location: { file: path } });
  return checkInitializerSize(decodeInitializer(t, path), rawBytes, type, path);
}

/**
 * An initializer's values. FLOAT, INT32 and BOOL become f32, i32 and bool weights as stored; INT64
 * is read exactly and becomes an i32 weight only when every value fits in int32 (shapes and
 * sizes read at import use the numbers, whatever their range). Other element types are refused.
 */
function decodeInitializer(t: onnxProto.onnx.ITensorProto, path: string): OnnxInit {
  const EXTERNAL = 1;
  const name = t.name ?? '';
  const dims = (t.dims ?? []).map(Number);
  const type = t.dataType ?? 0;
  const elemType = elemTypeName(type);
  // External data names a file (any path) to read the bytes from; nnc reads only the .onnx file.
  if (t.dataLocation === EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new NncError('NNC6001', `initializer '${name}' stores its data in an external file${location ? ` ('${location}')` : ''}; external data is not supported`, {
      location: { file: path },
      hint: 'Save the model with its weights inside the .onnx file (onnx.save_model(..., save_as_external_data=False)).',
    });
  }
  const raw = t.rawData && t.rawData.length > 0 ? copyBytes(t.rawData) : undefined;
  const init = (dtype: DType, data: TensorData): OnnxInit => ({ name, dims, elemType, data, weight: () => ({ dtype, data }) });
  switch (type) {
    case DataType.FLOAT:
      return init('f32', raw ? new Float32Array(raw) : Float32Array.from(t.floatData ?? []));
    case DataType.INT32:
      return init('i32', raw ? new Int32Array(raw) : Int32Array.from(t.int32Data ?? []));
    case DataType.BOOL:
      return init('bool', raw ? Uint8Array.from(new Uint8Array(raw), (v) => (v ? 1 : 0)) : Uint8Array.from(t.int32Data ?? [], (v) => (v ? 1 : 0)));
    case DataType.INT64: {
      const exact: bigint[] = raw ? [...new BigInt64Array(raw)] : (t.int64Data ?? []).map((v) => BigInt(String(v)));
      return {
        name,
        dims,
        elemType,
        data: Float64Array.from(exact, Number),
        weight() {
          const k = exact.findIndex((v) => v < -(2n ** 31n) || v >= 2n ** 31n);
          if (k >= 0)
            throw new NncError('NNC6001', `initializer '${name}' (INT64) holds ${exact[k]} at index ${k}, which does not fit in int32; nnc computes INT64 as int32`, {
              location: { file: path },
            });
          return { dtype: 'i32', data: Int32Array.from(exact, Number) };
        },
      };
    }
    default:
      throw new NncError('NNC6001', `initializer '${name}' has element type ${elemType}; nnc takes FLOAT, INT32, INT64 (values within int32) and BOOL`, {
        location: { file: path },
      });
  }
}

/** A fresh, aligned copy of protobuf bytes (they may sit at any offset of a larger buffer). */
function copyBytes(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/** The ONNX op types the importer has a table entry for (the fuzzers mutate toward them). */
export const onnxOpTypes = (): string[] => Object.keys(ONNX_OPS);
