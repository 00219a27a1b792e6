import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { tempDir } from '../wasm/temp.js';

const { onnx } = onnxProto;
export const DataType = onnx.TensorProto.DataType;

/** Declared dims: a number is a fixed axis, a string a symbolic one. */
export type Dims = (number | string)[];

/** An initializer of element type `type` holding `values` (int64 values as bigint or number). */
export function tensor(name: string, type: number, dims: number[], values: readonly (number | bigint)[]) {
  const t = onnx.TensorProto.create({ name, dims, dataType: type });
  if (type === DataType.FLOAT) t.floatData = values.map(Number);
  else if (type === DataType.INT64) t.rawData = new Uint8Array(BigInt64Array.from(values, (v) => BigInt(v)).buffer);
  else if (type === DataType.BOOL || type === DataType.INT32) t.int32Data = values.map(Number);
  else t.rawData = new Uint8Array(values.length * 2); // FLOAT16 and others: zero bytes
  return t;
}

/** An attribute value: an integer (INT), another number (FLOAT), a list of integers (INTS), a string (STRING), { floats } (FLOATS). */
export type AttrValue = number | number[] | string | { readonly floats: number[] };

function attribute(name: string, v: AttrValue) {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof v === 'string') return onnx.AttributeProto.create({ name, s: new TextEncoder().encode(v), type: T.STRING });
  if (Array.isArray(v)) return onnx.AttributeProto.create({ name, ints: v, type: T.INTS });
  if (typeof v === 'object') return onnx.AttributeProto.create({ name, floats: v.floats, type: T.FLOATS });
  return Number.isInteger(v) ? onnx.AttributeProto.create({ name, i: v, type: T.INT }) : onnx.AttributeProto.create({ name, f: v, type: T.FLOAT });
}

/** A node with attributes, named after its (first) output. */
export function node(opType: string, input: string[], output: string, attrs: Record<string, AttrValue> = {}) {
  return onnx.NodeProto.create({
    opType,
    input,
    output: [output],
    name: output,
    attribute: Object.entries(attrs).map(([name, v]) => attribute(name, v)),
  });
}

export function valueInfo(name: string, elemType: number, dims?: Dims) {
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType, ...(dims ? { shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } : {}) } },
  });
}

/** Writes a one-graph model (opset 17 unless told) to a fresh temp dir; returns the .onnx path. */
export function writeOnnxModel(graph: {
  nodes: ReturnType<typeof node>[];
  initializers?: ReturnType<typeof tensor>[];
  inputs: ReturnType<typeof valueInfo>[];
  outputs: ReturnType<typeof valueInfo>[];
  opset?: number;
  irVersion?: number;
  /** Replaces the one default-domain entry `opset` makes. */
  opsetImport?: { domain: string; version: number }[];
}): string {
  const model = onnx.ModelProto.create({
    irVersion: graph.irVersion ?? 8,
    opsetImport: graph.opsetImport ?? [{ domain: '', version: graph.opset ?? 17 }],
    graph: { name: 'g', node: graph.nodes, initializer: graph.initializers ?? [], input: graph.inputs, output: graph.outputs },
  });
  const path = join(tempDir('onnx'), 'model.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}
