/**
 * Exports an nnc Graph as an ONNX model (opset 13), so that ONNX runtimes can run exactly the
 * model nnc compiles — the benchmarks feed it to onnxruntime, and users can take it elsewhere.
 *
 * Any graph the verifier accepts may be exported, before or after the optimization passes: the
 * fused `dense` op becomes MatMul + Add + its activation, and a fused `elementwise` expression is
 * expanded back into one ONNX op per scalar function. conv2d, conv2d_grad_input (a transposed
 * convolution), the 2-D pools and resize2d (NHWC in nnc) become ONNX's NCHW Conv / ConvTranspose /
 * MaxPool / AveragePool / Resize between Transposes. Exporting the graph *before* the passes is
 * the usual choice (what `toGraph()` returns): ONNX runtimes fuse MatMul + Add themselves, and
 * the file then mirrors the model's layers. Weights become initializers; the batch dimension `?`
 * becomes the symbolic dimension `batch`. The ops that only training graphs use (gradient
 * products, reductions, one-hot, ...) have no lowering: every unsupported node is reported at
 * once (NNC4001).
 */
import pkg from 'onnx-proto';
import type { onnx as proto } from 'onnx-proto';
import { NncError, NncErrorList } from '../errors.js';
import { ownEntry } from '../own-keys.js';
import type { Attrs, Graph, Node } from '../ir/graph.js';
import { normalizeAxis } from '../ir/ops/softmax.js';
import type { ScalarExpr, ScalarFn } from '../ir/scalar-expr.js';
import { parseScalar, renderScalar } from '../ir/scalar-expr.js';
import { opRegistry } from '../ir/ops/index.js';
import { activationAttrs, denseActivation, denseOperandsOf } from '../ir/ops/dense.js';
import type { TensorType } from '../ir/types.js';
import { conv2dGeometry } from '../ir/ops/conv2d.js';
import { epiloguePool, poolGeometry } from '../ir/ops/pool-helpers.js';
import { convOutShape } from '../ir/ops/conv2d-geometry.js';

const { onnx } = pkg;

export const ONNX_OPSET = 13;
/** ONNX IR version 7 is the one that introduced opset 13. */
const ONNX_IR_VERSION = 7;
const BATCH_DIM = 'batch';

export interface OnnxExportOptions {
  /** The ModelProto graph name (default 'nnc'). */
  readonly name?: string;
  readonly producerVersion?: string;
}

/** Serializes `graph` as the bytes of a .onnx file. */
export function exportOnnx(graph: Graph, options: OnnxExportOptions = {}): Uint8Array {
  return onnx.ModelProto.encode(toOnnxModel(graph, options)).finish();
}

/** Builds the ONNX ModelProto of `graph` (see the file comment for what is supported). */
export function toOnnxModel(graph: Graph, options: OnnxExportOptions = {}): proto.ModelProto {
  if (graph.loop)
    throw new NncError('NNC4001', `cannot export a model whose sequences have any length (input '${graph.loop.sequences[0]}') to ONNX: nnc compiles it to one step of a loop its runtime drives`, {
      hint: 'Give the sequences a fixed number of steps (inputShape: [steps, features]) to export it.',
    });
  const w = new OnnxWriter();
  const problems: NncError[] = [];
  for (const n of graph.nodes) {
    try {
      w.lowerNode(graph, n);
    } catch (e) {
      if (!(e instanceof NncError)) throw e;
      problems.push(e);
    }
  }
  if (problems.length === 1) throw problems[0]!;
  if (problems.length > 1) throw new NncErrorList('NNC4001', problems);
  const outputs = graph.outputs.map((o) => {
    // An ONNX output is a named value: rename the value that computes it, or (for a model input,
    // a weight, or a value already named by another output) bridge with an Identity node.
    const value = w.valueOf(o.node);
    if (value !== o.name && !w.renameComputed(value, o.name)) w.emit('Identity', [value], {}, o.name);
    return valueInfo(o.name, o.node.type);
  });
  return onnx.ModelProto.create({
    irVersion: ONNX_IR_VERSION,
    opsetImport: [{ domain: '', version: ONNX_OPSET }],
    producerName: 'nnc',
    producerVersion: options.producerVersion ?? '0.1.0',
    graph: onnx.GraphProto.create({
      name: options.name ?? 'nnc',
      node: w.nodes,
      initializer: w.initializers,
      input: graph.inputs.map((n) => valueInfo(n.name!, n.type)),
      output: outputs,
    }),
  });
}

/** An ONNX node attribute: ONNX tells INT from FLOAT, so the value says which it is. */
type OnnxAttr = { readonly int: number } | { readonly float: number } | { readonly ints: readonly number[] } | { readonly string: string };
const int = (v: number): OnnxAttr => ({ int: v });
const string = (v: string): OnnxAttr => ({ string: v });
const ints = (v: readonly number[]): OnnxAttr => ({ ints: v });
const float = (v: number): OnnxAttr => ({ float: v });

/** nnc elementwise ops computed by the ONNX op of the given name, without attributes. */
const PLAIN_ELEMENTWISE: Readonly<Record<string, string>> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh', softplus: 'Softplus',
  abs: 'Abs', neg: 'Neg', sign: 'Sign', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', reciprocal: 'Reciprocal', erf: 'Erf',
  floor: 'Floor', ceil: 'Ceil', pow: 'Pow', prelu: 'PRelu', softsign: 'Softsign',
};

/** ONNX ops that compute an nnc elementwise op directly, with its attributes. */
const DIRECT_ELEMENTWISE: Readonly<Record<string, (a: Attrs) => [string, Record<string, OnnxAttr>]>> = {
  ...Object.fromEntries(Object.entries(PLAIN_ELEMENTWISE).map(([op, onnxOp]) => [op, () => [onnxOp, {}]])),
  elu: (a) => ['Elu', { alpha: float(a.alpha as number) }],
  leaky_relu: (a) => ['LeakyRelu', { alpha: float(a.alpha as number) }],
  selu: (a) => ['Selu', { alpha: float(a.alpha as number), gamma: float(a.gamma as number) }],
  hard_sigmoid: (a) => ['HardSigmoid', { alpha: float(a.alpha as number), beta: float(a.beta as number) }],
  celu: (a) => ['Celu', { alpha: float(a.alpha as number) }],
};

/** ONNX op for each scalar function of the expression language (select is special-cased). */
const SCALAR_OPS: Readonly<Partial<Record<Exclude<ScalarFn, 'select'>, string>>> = {
  add: 'Add', sub: 'Sub', mul: 'Mul', div: 'Div', max: 'Max', min: 'Min',
  neg: 'Neg', abs: 'Abs', exp: 'Exp', log: 'Log', sqrt: 'Sqrt', tanh: 'Tanh', erf: 'Erf',
  floor: 'Floor', ceil: 'Ceil', sign: 'Sign', pow: 'Pow',
};

/** Accumulates ONNX nodes and initializers, naming every nnc value once. */
class OnnxWriter {
  readonly nodes: proto.INodeProto[] = [];
  readonly initializers: proto.ITensorProto[] = [];
  private readonly names = new Map<Node, string>();
  private readonly scalars = new Map<number, string>();
  private counter = 0;

  valueOf(n: Node): string {
    const name = this.names.get(n);
    if (name === undefined) throw new Error(`ONNX export: %${n.id} used before it was defined`);
    return name;
  }

  /** Appends one ONNX node and returns the name of its (single) output. */
  emit(opType: string, inputs: readonly string[], attrs: Record<string, OnnxAttr> = {}, output = this.fresh()): string {
    this.nodes.push({
      opType,
      name: `${opType}_${this.nodes.length}`,
      input: [...inputs],
      output: [output],
      attribute: Object.entries(attrs).map(([k, v]) => attribute(k, v)),
    });
    return output;
  }

  lowerNode(graph: Graph, n: Node): void {
    try {
      this.names.set(n, this.lower(graph, n));
    } catch (e) {
      this.names.set(n, `unsupported_${n.id}`); // lets the nodes using it report their own problems
      throw e;
    }
  }

  /** Renames a value computed by a node of this writer (not yet renamed); false if there is none. */
  renameComputed(from: string, to: string): boolean {
    if (!this.nodes.some((n) => n.output![0] === from) || !/^v\d+$/.test(from)) return false;
    for (const n of this.nodes) {
      n.output = n.output!.map((v) => (v === from ? to : v));
      n.input = n.input!.map((v) => (v === from ? to : v));
    }
    for (const [node, name] of this.names) if (name === from) this.names.set(node, to);
    return true;
  }

  private lower(graph: Graph, n: Node): string {
    const ins = () => n.inputs.map((i) => this.valueOf(i));
    switch (n.op) {
      case 'input':
        return n.name!;
      case 'weight': {
        const data = graph.weights.get(n.name!) ?? unsupported(n, 'the weight has no data');
        return this.initializer(n.name!, n.type.shape.map((d) => d ?? 1), Float32Array.from(data));
      }
      case 'const':
        return this.initializer(this.fresh(), n.type.shape.map((d) => d ?? 1), Float32Array.from(n.attrs.value as number[]));
      case 'matmul':
        return this.emit('MatMul', ins());
      case 'dense':
        return this.lowerDense(n);
      case 'softmax':
      case 'log_softmax':
        return this.emit(n.op === 'softmax' ? 'Softmax' : 'LogSoftmax', ins(), { axis: int(normalizeAxis(n.attrs.axis as number, n.type.shape.length)) });
      case 'concat':
        return this.emit('Concat', ins(), { axis: int(normalizeAxis(n.attrs.axis as number, n.type.shape.length)) });
      case 'reshape': {
        // 0 keeps the batch axis (ONNX Reshape's allowzero=0 meaning); the row shape follows. A
        // whole reshape's shape is the full target (no 0 in it, or allowzero would matter).
        const shape = this.int64Initializer(n.attrs.whole ? (n.attrs.shape as number[]) : [0, ...(n.attrs.shape as number[])]);
        return this.emit('Reshape', [...ins(), shape]);
      }
      case 'identity':
      case 'dropout':
        return this.emit('Identity', [ins()[0]!]);
      case 'elementwise':
        return this.lowerScalar(parseScalar(String(n.attrs.expr)), ins());
      // A split stands for its operand; each projection is a Slice of it (the slices split defines).
      case 'split':
        return this.valueOf(n.inputs[0]!);
      case 'result':
        return this.lowerSplitResult(n);
      case 'slice':
        return this.lowerSlice(this.valueOf(n.inputs[0]!), n.inputs[0]!.type.shape.length, n.attrs.axis as number, n.attrs.begin as number, n.attrs.size as number);
      case 'reduce_mean':
      case 'reduce_max': {
        const rank = n.inputs[0]!.type.shape.length;
        const axes = (n.attrs.axes as number[]).length > 0 ? (n.attrs.axes as number[]).map((a) => normalizeAxis(a, rank)) : [...Array(rank).keys()];
        // Opset 13's ReduceMean and ReduceMax take their axes as an attribute.
        return this.emit(n.op === 'reduce_mean' ? 'ReduceMean' : 'ReduceMax', ins(), { axes: ints(axes), keepdims: int(n.attrs.keepdims ? 1 : 0) });
      }
      case 'gather':
        return this.emit('Gather', ins(), { axis: int(normalizeAxis(n.attrs.axis as number, n.inputs[0]!.type.shape.length)) });
      case 'conv2d':
        return this.lowerConv2d(n);
      case 'conv2d_grad_input':
        return this.lowerConvTranspose(n);
      case 'max_pool2d':
      case 'avg_pool2d':
        return this.lowerPool(n, ins()[0]!);
      case 'transpose':
        return this.emit('Transpose', ins(), { perm: ints(n.attrs.perm as number[]) });
      case 'pad':
        return this.lowerPad(n, ins()[0]!);
      case 'resize2d':
        return this.lowerResize(n, ins()[0]!);
    }
    const direct = ownEntry(DIRECT_ELEMENTWISE, n.op);
    if (direct) {
      const [opType, attrs] = direct(n.attrs);
      return this.emit(opType, ins(), attrs);
    }
    const scalar = opRegistry.get(n.op)?.scalar;
    if (scalar) return this.lowerScalar(scalar(n.attrs), ins());
    return unsupported(n, `op '${n.op}' has no ONNX lowering`);
  }

  /** Result k of a split: Slice of the operand from the sizes before k. */
  private lowerSplitResult(n: Node): string {
    const producer = n.inputs[0]!;
    if (producer.op !== 'split') unsupported(n, `a result of '${producer.op}' has no ONNX lowering`);
    const sizes = producer.attrs.sizes as number[];
    const index = n.attrs.index as number;
    const begin = sizes.slice(0, index).reduce((a, v) => a + v, 0);
    const x = producer.inputs[0]!;
    return this.lowerSlice(this.valueOf(x), x.type.shape.length, producer.attrs.axis as number, begin, sizes[index]!);
  }

  private lowerSlice(x: string, rank: number, axis: number, begin: number, size: number): string {
    return this.emit('Slice', [x, this.int64Initializer([begin]), this.int64Initializer([begin + size]), this.int64Initializer([normalizeAxis(axis, rank)])]);
  }

  /** dense = activation(x·w + b): the activation is an op name, lowered as a node of its own. */
  private lowerDense(n: Node): string {
    const { x, w, bias, residual } = denseOperandsOf(n);
    const k = w.type.shape[0]!;
    // A per-row flatten the fuse pass folded into x (see inferDenseProduct) is a Reshape again.
    const flat = x.type.shape.length > 2 && x.type.shape.at(-1) !== k ? this.emit('Reshape', [this.valueOf(x), this.int64Initializer([0, k])]) : this.valueOf(x);
    let y = this.emit('MatMul', [flat, this.valueOf(w)]);
    if (bias) y = this.emit('Add', [y, this.valueOf(bias)]);
    y = this.lowerActivation(n, y);
    return residual ? this.emit('Add', [y, this.valueOf(residual)]) : y;
  }

  /**
   * conv2d (NHWC x, HWCF kernel) as ONNX's NCHW Conv between Transposes; the kernel's Transpose
   * of an initializer is constant-folded and back-to-back Transposes cancel in onnxruntime's
   * optimizer, so a runtime sees a plain NCHW network.
   */
  private lowerConv2d(n: Node): string {
    const { x, w, bias, residual } = denseOperandsOf(n);
    const g = conv2dGeometry(x.type.shape, w.type.shape, n.attrs);
    const padAfter = (size: number, out: number, stride: number, span: number, before: number) => Math.max((out - 1) * stride + span - size, 0) - before;
    const pads = [g.padTop, g.padLeft, padAfter(g.h, g.oh, g.sh, (g.kh - 1) * g.dh + 1, g.padTop), padAfter(g.w, g.ow, g.sw, (g.kw - 1) * g.dw + 1, g.padLeft)];
    const kernel = this.emit('Transpose', [this.valueOf(w)], { perm: ints([3, 2, 0, 1]) });
    const attrs = { kernel_shape: ints([g.kh, g.kw]), strides: ints([g.sh, g.sw]), dilations: ints([g.dh, g.dw]), pads: ints(pads) };
    const y = this.lowerActivation(n, this.toNhwc(this.emit('Conv', [this.toNchw(this.valueOf(x)), kernel, ...(bias ? [this.valueOf(bias)] : [])], attrs)));
    const pool = epiloguePool(n.attrs);
    // A fused pooling (the `pool` epilogue) is its pooling op again, reading the unpooled conv.
    const unpooled: Node = { ...n, type: { ...n.type, shape: convOutShape(x.type.shape[0]!, g, w.type.shape[3]!) } };
    if (pool) return this.lowerPool({ ...n, op: pool.op, attrs: pool.attrs, inputs: [unpooled] }, y);
    return residual ? this.emit('Add', [y, this.valueOf(residual)]) : y;
  }

  /**
   * conv2d_grad_input (a transposed convolution: dy [n, oh, ow, f], the conv kernel [kh, kw, c, f])
   * as ONNX's NCHW ConvTranspose, whose W is [f, c, kh, kw]. Its full result, stride · (oh − 1) +
   * span per axis, starts `padTop` cells before the result; what it lacks at the end (a stride
   * that leaves cells no window reads) is output_padding, which stays below the stride.
   */
  private lowerConvTranspose(n: Node): string {
    const [dy, w] = n.inputs as [Node, Node];
    const g = conv2dGeometry(n.type.shape, w.type.shape, n.attrs);
    const axes = [
      { size: g.h, out: g.oh, stride: g.sh, span: (g.kh - 1) * g.dh + 1, before: g.padTop },
      { size: g.w, out: g.ow, stride: g.sw, span: (g.kw - 1) * g.dw + 1, before: g.padLeft },
    ].map(({ size, out, stride, span, before }) => ({ before, after: (out - 1) * stride + span - before - size }));
    const kernel = this.emit('Transpose', [this.valueOf(w)], { perm: ints([3, 2, 0, 1]) });
    const attrs = {
      kernel_shape: ints([g.kh, g.kw]),
      strides: ints([g.sh, g.sw]),
      dilations: ints([g.dh, g.dw]),
      pads: ints([...axes.map((a) => a.before), ...axes.map((a) => Math.max(a.after, 0))]),
      output_padding: ints(axes.map((a) => Math.max(-a.after, 0))),
    };
    return this.toNhwc(this.emit('ConvTranspose', [this.toNchw(this.valueOf(dy)), kernel], attrs));
  }

  /** max_pool2d / avg_pool2d as NCHW MaxPool / AveragePool (padding cells excluded, as TensorFlow does). */
  private lowerPool(n: Node, x: string): string {
    const g = poolGeometry(n.inputs[0]!.type, n.attrs);
    const padAfter = (size: number, out: number, stride: number, pool: number, before: number) => Math.max((out - 1) * stride + pool - size, 0) - before;
    const pads = [g.padTop, g.padLeft, padAfter(g.inH, g.outH, g.strideH, g.poolH, g.padTop), padAfter(g.inW, g.outW, g.strideW, g.poolW, g.padLeft)];
    const attrs = { kernel_shape: ints([g.poolH, g.poolW]), strides: ints([g.strideH, g.strideW]), pads: ints(pads) };
    return this.toNhwc(this.emit(n.op === 'max_pool2d' ? 'MaxPool' : 'AveragePool', [this.toNchw(x)], n.op === 'max_pool2d' ? attrs : { ...attrs, count_include_pad: int(0) }));
  }

  /** pad (zeros along one axis) as a constant-mode Pad: ONNX's pads list every axis' begins, then its ends. */
  private lowerPad(n: Node, x: string): string {
    const rank = n.type.shape.length;
    const pads = new Array<number>(2 * rank).fill(0);
    const axis = normalizeAxis(n.attrs.axis as number, rank);
    pads[axis] = n.attrs.before as number;
    pads[rank + axis] = n.attrs.after as number;
    return this.emit('Pad', [x, this.int64Initializer(pads)]);
  }

  /**
   * resize2d (NHWC) as an NCHW Resize between Transposes. Its coordinate and nearest modes carry
   * ONNX's names; the output size is given as `sizes` ([batch, channels] read from the input's
   * Shape, then the target), so no float scale has to round to it.
   */
  private lowerResize(n: Node, x: string): string {
    const nchw = this.toNchw(x);
    const batchAndChannels = this.emit('Slice', [this.emit('Shape', [nchw]), this.int64Initializer([0]), this.int64Initializer([2])]);
    const sizes = this.emit('Concat', [batchAndChannels, this.int64Initializer(n.attrs.size as number[])], { axis: int(0) });
    const attrs = {
      mode: string(n.attrs.mode === 'bilinear' ? 'linear' : 'nearest'),
      coordinate_transformation_mode: string(n.attrs.coordinateMode as string),
      nearest_mode: string(n.attrs.nearestMode as string),
    };
    return this.toNhwc(this.emit('Resize', [nchw, '', '', sizes], attrs));
  }

  private toNchw(x: string): string {
    return this.emit('Transpose', [x], { perm: ints([0, 3, 1, 2]) });
  }

  private toNhwc(x: string): string {
    return this.emit('Transpose', [x], { perm: ints([0, 2, 3, 1]) });
  }

  /** The activation attribute of a fused op (dense, conv2d) applied to `y`. */
  private lowerActivation(n: Node, y: string): string {
    const act = denseActivation(n.attrs);
    if (act === 'linear') return y;
    if (act === 'softmax') return this.emit('Softmax', [y], { axis: int(n.type.shape.length - 1) });
    const actAttrs = activationAttrs(n.attrs);
    const direct = ownEntry(DIRECT_ELEMENTWISE, act);
    if (direct) {
      const [opType, attrs] = direct(actAttrs);
      return this.emit(opType, [y], attrs);
    }
    const scalar = opRegistry.get(act)?.scalar ?? unsupported(n, `dense activation '${act}' has no ONNX lowering`);
    return this.lowerScalar(scalar(actAttrs), [y]);
  }

  /** Expands a scalar expression over broadcast operands into ONNX elementwise nodes. */
  private lowerScalar(e: ScalarExpr, args: readonly string[]): string {
    return renderScalar<string>(e, {
      arg: (index) => args[index]!,
      constant: (value) => this.scalar(value),
      call: (fn, operands) => {
        // Conversions are Casts (an Embedding's mask, to_f32(to_bool(id)), reads int32 ids).
        if (fn === 'to_bool' || fn === 'to_f32') return this.emit('Cast', operands, { to: int(fn === 'to_bool' ? onnx.TensorProto.DataType.BOOL : onnx.TensorProto.DataType.FLOAT) });
        if (fn !== 'select') return this.emit(SCALAR_OPS[fn] ?? unsupportedFn(fn), operands);
        // select(c, a, b) = c > 0 ? a : b
        const cond = this.emit('Greater', [operands[0]!, this.scalar(0)]);
        return this.emit('Where', [cond, operands[1]!, operands[2]!]);
      },
    });
  }

  /** A rank-0 float initializer, shared by every use of the same value. */
  private scalar(value: number): string {
    let name = this.scalars.get(value);
    if (name === undefined) {
      name = this.initializer(`const_${this.scalars.size}`, [], Float32Array.of(value));
      this.scalars.set(value, name);
    }
    return name;
  }

  private initializer(name: string, dims: readonly number[], data: Float32Array): string {
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    data.forEach((v, i) => view.setFloat32(i * 4, v, true)); // ONNX raw data is little-endian
    this.initializers.push({ name, dims: [...dims], dataType: onnx.TensorProto.DataType.FLOAT, rawData: bytes });
    return name;
  }

  private int64Initializer(values: readonly number[]): string {
    const name = this.fresh();
    this.initializers.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: [...values] });
    return name;
  }

  private fresh(): string {
    return `v${this.counter++}`;
  }
}

function unsupportedFn(fn: string): never {
  throw new NncError('NNC4001', `the ONNX export handles float32 models; '${fn}' is not exported`);
}

function unsupported(n: Node, why: string): never {
  const where = n.name ? `%${n.name}` : `%${n.id}`;
  throw new NncError('NNC4001', `cannot export ${where} (${n.op}) to ONNX: ${why}`, {
    location: { node: where, ...(n.layer ? { layer: n.layer } : {}) },
    hint: 'Export the graph before the optimization passes, or add an ONNX lowering for the op in src/export/onnx.ts.',
  });
}

function attribute(name: string, v: OnnxAttr): proto.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('ints' in v) return { name, type: T.INTS, ints: [...v.ints] };
  if ('string' in v) return { name, type: T.STRING, s: new TextEncoder().encode(v.string) };
  return 'int' in v ? { name, type: T.INT, i: v.int } : { name, type: T.FLOAT, f: v.float };
}

/** Element types of graph inputs and outputs: float32, and int32 ids (an Embedding's input). */
const ELEMENT_TYPES: Partial<Record<TensorType['dtype'], number>> = { f32: onnx.TensorProto.DataType.FLOAT, i32: onnx.TensorProto.DataType.INT32 };

function valueInfo(name: string, t: TensorType): proto.IValueInfoProto {
  const elemType = ELEMENT_TYPES[t.dtype];
  if (elemType === undefined) throw new NncError('NNC4001', `cannot export ${name}: ONNX export supports float32 and int32 inputs and outputs, got ${t.dtype}`);
  return {
    name,
    type: {
      tensorType: {
        elemType,
        shape: { dim: t.shape.map((d) => (d === null ? { dimParam: BATCH_DIM } : { dimValue: d })) },
      },
    },
  };
}
