import { readFileSync } from 'node:fs';
import onnxProto from 'onnx-proto';
import { NncError, NncErrorList } from '../../errors.js';
import { hasOwnKey } from '../../own-keys.js';
import { GraphBuilder } from '../../ir/builder.js';
import type { Attrs, Graph, Node } from '../../ir/graph.js';
import type { Dim } from '../../ir/types.js';
import { irSafeName } from './shared.js';

const { onnx } = onnxProto;

/** The parts of an ONNX graph nnc reads, with protobuf's optional fields resolved. */
interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly input: readonly string[];
  readonly output: readonly string[];
  readonly attrs: ReadonlyMap<string, { i?: number; f?: number; ints?: number[] }>;
}
interface OnnxInit {
  readonly dims: number[];
  readonly data: Float32Array;
}
interface OnnxGraph {
  readonly nodes: OnnxNode[];
  readonly initializers: Map<string, OnnxInit>;
  readonly inputs: { name: string; dims: { value: number; param: string }[] }[];
  readonly outputs: string[];
}

/**
 * Imports an ONNX model (float32 MLPs and their relatives) straight into nnc IR. Each supported
 * ONNX op is one entry in ONNX_OPS; a model with unsupported ops is rejected before anything is
 * built, listing every offending node by name. The first axis of every input is the batch axis.
 */
export function loadOnnxGraph(path: string): Graph {
  const graph = readOnnx(path);
  const unsupported = graph.nodes
    .filter((n) => !hasOwnKey(ONNX_OPS, n.opType))
    .map((n) => new NncError('NNC6001', `ONNX op ${n.opType}`, { location: { file: path, node: n.name || n.output[0] || '?' } }));
  if (unsupported.length > 0)
    throw new NncErrorList('NNC6001', unsupported, { location: { file: path }, hint: `Supported ONNX ops: ${Object.keys(ONNX_OPS).join(', ')}.` });

  const b = new GraphBuilder();
  const values = new Map<string, Node>();
  for (const input of graph.inputs) {
    if (graph.initializers.has(input.name)) continue;
    const shape: Dim[] = input.dims.map((d, i) => {
      if (i === 0) return null;
      if (!(d.value > 0))
        throw new NncError('NNC6001', `input '${input.name}' has a symbolic axis ${i} ('${d.param}')`, {
          location: { file: path },
          hint: 'Only the first (batch) axis may be symbolic.',
        });
      return d.value;
    });
    values.set(input.name, b.input(irSafeName(input.name), { dtype: 'f32', shape }));
  }
  const operand = (name: string): Node => {
    const existing = values.get(name);
    if (existing) return existing;
    const c = graph.initializers.get(name);
    if (!c) throw new NncError('NNC6002', `value '${name}' is used before it is defined`, { location: { file: path } });
    const node = b.weight(irSafeName(name), { dtype: 'f32', shape: c.dims }, c.data);
    values.set(name, node);
    return node;
  };
  const ctx: OnnxContext = { b, path, constants: graph.initializers, operand };
  const used = new Set([...graph.nodes.flatMap((n) => n.input), ...graph.outputs]);
  for (const n of graph.nodes) {
    b.currentLayer = n.name || n.output[0];
    const produced = ONNX_OPS[n.opType]!(n, ctx);
    const results: readonly Node[] = isNodeList(produced) ? produced : [produced];
    // Every output nnc computes is kept; one it cannot compute is refused only if something reads it.
    n.output.forEach((name, k) => {
      if (!name) return;
      const value = results[k];
      if (value) values.set(name, value);
      else if (used.has(name)) fail(n, ctx, `output ${k} ('${name}') is used, but nnc computes only ${results.length === 1 ? 'output 0' : `outputs 0-${results.length - 1}`} of this op`);
    });
  }
  b.currentLayer = undefined;
  for (const o of graph.outputs) b.output(o, operand(o));
  return b.build();
}

function readOnnx(path: string): OnnxGraph {
  let model: InstanceType<typeof onnx.ModelProto>;
  try {
    model = onnx.ModelProto.decode(readFileSync(path));
  } catch (e) {
    throw new NncError('NNC6002', `cannot decode ${path} as an ONNX ModelProto: ${(e as Error).message}`, { location: { file: path } });
  }
  const g = model.graph;
  if (!g) throw new NncError('NNC6002', `${path} has no graph`, { location: { file: path } });
  return {
    nodes: (g.node ?? []).map((n) => ({
      name: n.name ?? '',
      opType: n.opType ?? '',
      input: n.input ?? [],
      output: n.output ?? [],
      attrs: new Map((n.attribute ?? []).map((a) => [a.name ?? '', { ...(a.i != null ? { i: Number(a.i) } : {}), ...(a.f != null ? { f: a.f } : {}), ...(a.ints?.length ? { ints: a.ints.map(Number) } : {}) }])),
    })),
    initializers: new Map((g.initializer ?? []).map((t) => [t.name ?? '', { dims: (t.dims ?? []).map(Number), data: tensorData(t, path) }])),
    inputs: (g.input ?? []).map((v) => ({
      name: v.name ?? '',
      dims: (v.type?.tensorType?.shape?.dim ?? []).map((d) => ({ value: Number(d.dimValue ?? 0), param: d.dimParam ?? '' })),
    })),
    outputs: (g.output ?? []).map((v) => v.name ?? ''),
  };
}

interface OnnxContext {
  readonly b: GraphBuilder;
  readonly path: string;
  readonly constants: ReadonlyMap<string, OnnxInit>;
  /** The IR node for an ONNX value (an initializer becomes a weight node on first use). */
  operand(name: string): Node;
}

/** The IR value of each ONNX output, in order (a single node for output 0 alone). */
type OnnxOp = (n: OnnxNode, ctx: OnnxContext) => Node | readonly Node[];

const isNodeList = (v: Node | readonly Node[]): v is readonly Node[] => Array.isArray(v);

const intAttr = (n: OnnxNode, name: string, fallback: number) => n.attrs.get(name)?.i ?? fallback;
const floatAttr = (n: OnnxNode, name: string, fallback: number) => n.attrs.get(name)?.f ?? fallback;

const unary =
  (op: string, attrs: (n: OnnxNode) => Attrs = () => ({})): OnnxOp =>
  (n, { b, operand }) =>
    b.op(op, [operand(n.input[0]!)], attrs(n));
const binary =
  (op: string): OnnxOp =>
  (n, { b, operand }) =>
    b.op(op, [operand(n.input[0]!), operand(n.input[1]!)]);

function fail(n: OnnxNode, ctx: OnnxContext, detail: string): never {
  throw new NncError('NNC6001', `${n.opType}: ${detail}`, { location: { file: ctx.path, node: n.name || n.output[0] || '?' } });
}

/** Gemm: alpha * A' B' + beta * C, with B a constant (transposed here once when transB = 1). */
const gemm: OnnxOp = (n, ctx) => {
  const { b, operand, constants } = ctx;
  if (intAttr(n, 'transA', 0) !== 0) fail(n, ctx, 'transA = 1 is not supported');
  if (floatAttr(n, 'alpha', 1) !== 1 || floatAttr(n, 'beta', 1) !== 1) fail(n, ctx, 'alpha and beta other than 1 are not supported');
  let w = operand(n.input[1]!);
  if (intAttr(n, 'transB', 0) === 1) {
    const c = constants.get(n.input[1]!) ?? fail(n, ctx, 'transB = 1 needs B to be an initializer');
    const [rows, cols] = c.dims as [number, number];
    const t = new Float32Array(c.data.length);
    for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) t[k * rows + r] = c.data[r * cols + k]!;
    w = b.weight(`${w.name}/transposed`, { dtype: 'f32', shape: [cols, rows] }, t);
  }
  const y = b.op('matmul', [operand(n.input[0]!), w]);
  return n.input[2] ? b.op('add', [y, operand(n.input[2])]) : y;
};

/** Reshape with a constant target whose first entry keeps the batch (0 or -1). */
const reshape: OnnxOp = (n, ctx) => {
  const target = ctx.constants.get(n.input[1]!) ?? fail(n, ctx, 'the target shape must be an initializer');
  const dims = Array.from(target.data);
  if (dims[0] !== 0 && dims[0] !== -1) fail(n, ctx, `the first axis must stay the batch axis (0 or -1), got ${dims[0]}`);
  return ctx.b.op('reshape', [ctx.operand(n.input[0]!)], { shape: dims.slice(1).map((d, i) => (d === 0 ? (ctx.operand(n.input[0]!).type.shape[i + 1] as number) : d)) });
};

const flatten: OnnxOp = (n, ctx) => {
  if (intAttr(n, 'axis', 1) !== 1) fail(n, ctx, 'only axis = 1 (keep the batch axis) is supported');
  return ctx.b.op('reshape', [ctx.operand(n.input[0]!)], { shape: [-1] });
};

/**
 * Split along `axis` (default 0), one IR result per ONNX output: sizes from the `split` input
 * (opset 13+, an initializer) or attribute (opsets 2-12); else `num_outputs` pieces of
 * ceil(extent / num_outputs), the last one smaller (opset 18+); else equal pieces, one per output.
 */
const split: OnnxOp = (n, ctx) => {
  const x = ctx.operand(n.input[0]!);
  const rank = x.type.shape.length;
  const axisAttr = intAttr(n, 'axis', 0);
  const axis = axisAttr < 0 ? axisAttr + rank : axisAttr;
  if (axis <= 0 || axis >= rank) fail(n, ctx, `axis ${axisAttr} of a rank-${rank} value: only a non-batch axis can be split`);
  const extent = x.type.shape[axis] as number;
  let sizes: number[];
  const pieces = n.attrs.get('num_outputs')?.i;
  if (n.input[1]) sizes = Array.from((ctx.constants.get(n.input[1]) ?? fail(n, ctx, 'the split sizes must be an initializer')).data);
  else if (n.attrs.get('split')?.ints) sizes = n.attrs.get('split')!.ints!;
  else if (pieces !== undefined) {
    const chunk = Math.ceil(extent / pieces);
    sizes = Array.from({ length: pieces }, (_, k) => Math.min(chunk, extent - k * chunk));
  } else {
    if (extent % n.output.length !== 0) fail(n, ctx, `axis ${axis} of extent ${extent} does not split into ${n.output.length} equal parts`);
    sizes = n.output.map(() => extent / n.output.length);
  }
  return ctx.b.multi('split', [x], { axis, sizes });
};

/** Every supported ONNX op (opset 13+ semantics) and the IR it becomes. */
const ONNX_OPS: Record<string, OnnxOp> = {
  MatMul: binary('matmul'),
  Gemm: gemm,
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Relu: unary('relu'),
  Sigmoid: unary('sigmoid'),
  Tanh: unary('tanh'),
  Elu: unary('elu', (n) => ({ alpha: floatAttr(n, 'alpha', 1) })),
  LeakyRelu: unary('leaky_relu', (n) => ({ alpha: floatAttr(n, 'alpha', 0.01) })),
  Softplus: unary('softplus'),
  Selu: unary('selu'),
  Gelu: unary('gelu'),
  Softmax: unary('softmax', (n) => ({ axis: intAttr(n, 'axis', -1) })),
  Identity: unary('identity'),
  Dropout: unary('identity'),
  Flatten: flatten,
  Reshape: reshape,
  Concat: (n, { b, operand }) => b.op('concat', n.input.map(operand), { axis: intAttr(n, 'axis', -1) }),
  Split: split,
};

function tensorData(t: InstanceType<typeof onnx.TensorProto> | onnxProto.onnx.ITensorProto, path: string): Float32Array {
  const FLOAT = 1;
  const INT64 = 7;
  const EXTERNAL = 1;
  // External data names a file (any path) to read the bytes from; nnc reads only the .onnx file.
  if (t.dataLocation === EXTERNAL || (t.externalData?.length ?? 0) > 0) {
    const location = t.externalData?.find((e) => e.key === 'location')?.value;
    throw new NncError('NNC6001', `initializer '${t.name}' stores its data in an external file${location ? ` ('${location}')` : ''}; external data is not supported`, {
      location: { file: path },
      hint: 'Save the model with its weights inside the .onnx file (onnx.save_model(..., save_as_external_data=False)).',
    });
  }
  if (t.dataType === INT64) {
    // Shapes (Reshape targets) arrive as int64; nnc keeps them as numbers.
    if (t.rawData && t.rawData.length > 0) return Float32Array.from(new BigInt64Array(copyBytes(t.rawData)), (v) => Number(v));
    return Float32Array.from((t.int64Data ?? []).map(Number));
  }
  if (t.dataType !== FLOAT) throw new NncError('NNC6001', `initializer '${t.name}' has ONNX data type ${t.dataType}; only float32 is supported`, { location: { file: path } });
  if (t.rawData && t.rawData.length > 0) return new Float32Array(copyBytes(t.rawData));
  return Float32Array.from(t.floatData ?? []);
}

/** A fresh, aligned copy of protobuf bytes (they may sit at any offset of a larger buffer). */
function copyBytes(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}
