/**
 * Tables of small ONNX models checked against onnxruntime-web: each case alone through the
 * interpreter, then every case of one opset merged into a single model (names prefixed per case)
 * for one wasm bundle and, for the cases whose IR is all f32, one WebGPU bundle, so a table of
 * dozens of cases costs a handful of compilations. Floats must satisfy |a - e| <= 1e-7 + 1e-3 |e|
 * (ONNX's own backend-test rule); integers and bools must be equal.
 */
import onnxProto from 'onnx-proto';
import { expect } from 'vitest';
import { loadOnnxGraph, type OnnxImportOptions } from '../../src/frontend/import/onnx.js';
import { Random } from '../../src/frontend/random.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { buildWasmBundle, loadEveryBuild } from '../wasm/bundle-helpers.js';
import { DataType, valueInfo, writeOnnxModel, type Dims } from './onnx-model.js';
import { onnxSession, ort } from './onnxruntime.js';
import { buildWebGpuBundle, dawnGpu } from './webgpu.js';

const { onnx } = onnxProto;
type NodeProto = InstanceType<typeof onnx.NodeProto>;
type TensorProto = InstanceType<typeof onnx.TensorProto>;

/** The batch size every symbolic ('N') leading axis is fed with. */
export const BATCH = 2;

export interface InputSpec {
  readonly dims: Dims;
  /** FLOAT unless told. */
  readonly type?: number;
  /** The dims fed when they differ from the declared ones with 'N' as BATCH (another symbolic axis). */
  readonly fed?: readonly number[];
  /** Values fed (random otherwise: floats in [-3, 3], integers in [-5, 5], bools). */
  readonly values?: readonly number[];
}
export interface OnnxCase {
  readonly name: string;
  readonly opset?: number;
  readonly nodes: NodeProto[];
  readonly inits?: TensorProto[];
  readonly inputs: Record<string, InputSpec>;
  /** Output names and element types. */
  readonly outputs: Record<string, number>;
  readonly options?: OnnxImportOptions;
  /** Why the bundles do not run it (the interpreter still does), e.g. a bool value a copy kernel refuses. */
  readonly interpreterOnly?: string;
  /**
   * The nodes onnxruntime runs in place of `nodes` (same inputs, initializers and outputs), for a
   * form ONNX defines through other ops that onnxruntime does not implement (recurrent ops'
   * batch-major layout 1 is layout 0 between Transposes).
   */
  readonly oracleNodes?: NodeProto[];
}

const rng = new Random(5);
const fedDims = (spec: InputSpec) => (spec.fed ? [...spec.fed] : spec.dims.map((d) => (typeof d === 'string' ? BATCH : d)));
function feedValues(spec: InputSpec): number[] {
  const count = fedDims(spec).reduce((p, d) => p * d, 1);
  if (spec.values) return [...spec.values];
  const type = spec.type ?? DataType.FLOAT;
  return Array.from({ length: count }, () =>
    type === DataType.FLOAT ? Math.fround(rng.uniform(-3, 3)) : type === DataType.BOOL ? (rng.uniform(0, 1) < 0.5 ? 1 : 0) : Math.floor(rng.uniform(-5, 5)),
  );
}

const ortTensor = (spec: InputSpec, values: number[]) => {
  const dims = fedDims(spec);
  switch (spec.type ?? DataType.FLOAT) {
    case DataType.FLOAT:
      return new ort.Tensor('float32', Float32Array.from(values), dims);
    case DataType.INT64:
      return new ort.Tensor('int64', BigInt64Array.from(values, (v) => BigInt(v)), dims);
    case DataType.INT32:
      return new ort.Tensor('int32', Int32Array.from(values), dims);
    default:
      return new ort.Tensor('bool', Uint8Array.from(values), dims);
  }
};
const nncArray = (spec: InputSpec, values: number[]) => {
  const type = spec.type ?? DataType.FLOAT;
  return type === DataType.FLOAT ? Float32Array.from(values) : type === DataType.BOOL ? Uint8Array.from(values) : Int32Array.from(values);
};

/** Every value name of a case prefixed (inputs, outputs, initializers, node values). */
function prefixed(c: OnnxCase, p: string): OnnxCase {
  const name = (v: string) => (v === '' ? '' : `${p}${v}`);
  const rename = <T>(r: Record<string, T>) => Object.fromEntries(Object.entries(r).map(([k, v]) => [name(k), v]));
  const renamed = (nodes: NodeProto[]) => nodes.map((n) => onnx.NodeProto.create({ ...n, name: name(n.name || n.output[0]!), input: n.input.map(name), output: n.output.map(name) }));
  return {
    ...c,
    nodes: renamed(c.nodes),
    ...(c.oracleNodes ? { oracleNodes: renamed(c.oracleNodes) } : {}),
    inits: (c.inits ?? []).map((t) => onnx.TensorProto.create({ ...t, name: name(t.name) })),
    inputs: rename(c.inputs),
    outputs: rename(c.outputs),
    options: c.options && {
      ...(c.options.freeze ? { freeze: rename(c.options.freeze) } : {}),
      ...(c.options.shapes ? { shapes: rename(c.options.shapes) } : {}),
    },
  };
}

function merge(cases: readonly OnnxCase[]): OnnxCase {
  const parts = cases.map((c, i) => prefixed(c, `c${i}_`));
  return {
    name: 'merged',
    opset: cases[0]!.opset,
    nodes: parts.flatMap((c) => c.nodes),
    ...(parts.some((c) => c.oracleNodes) ? { oracleNodes: parts.flatMap((c) => c.oracleNodes ?? c.nodes) } : {}),
    inits: parts.flatMap((c) => c.inits ?? []),
    inputs: Object.assign({}, ...parts.map((c) => c.inputs)),
    outputs: Object.assign({}, ...parts.map((c) => c.outputs)),
    options: { freeze: Object.assign({}, ...parts.map((c) => c.options?.freeze ?? {})), shapes: Object.assign({}, ...parts.map((c) => c.options?.shapes ?? {})) },
  };
}

export function writeCase(c: OnnxCase, nodes = c.nodes): string {
  return writeOnnxModel({
    nodes,
    initializers: c.inits,
    inputs: Object.entries(c.inputs).map(([name, s]) => valueInfo(name, s.type ?? DataType.FLOAT, s.dims)),
    outputs: Object.entries(c.outputs).map(([name, t]) => valueInfo(name, t)),
    opset: c.opset ?? 17,
  });
}

interface Run {
  readonly path: string;
  readonly graph: Graph;
  readonly feeds: Record<string, number[]>;
  readonly want: Record<string, number[]>;
}

/** Writes, imports and runs a case in onnxruntime (frozen inputs fed their frozen values). */
async function prepare(c: OnnxCase): Promise<Run> {
  const path = writeCase(c);
  const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, c.options?.freeze?.[k] ? [...c.options.freeze[k]!.values] : feedValues(s)]));
  const session = await onnxSession(c.oracleNodes ? writeCase(c, c.oracleNodes) : path);
  const result = await session.run(Object.fromEntries(Object.entries(c.inputs).map(([k, s]) => [k, ortTensor(s, feeds[k]!)])));
  const want = Object.fromEntries(Object.keys(c.outputs).map((k) => [k, Array.from(result[k]!.data as ArrayLike<number | bigint>, Number)]));
  const graph = loadOnnxGraph(path, c.options);
  return { path, graph, feeds, want };
}

/** Floats within 1e-7 + 1e-3 |e|; integers and bools exact. */
export function expectClose(got: ArrayLike<number>, want: readonly number[], what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  const bad = want.findIndex((e, i) => !(Math.abs(got[i]! - e) <= 1e-7 + 1e-3 * Math.abs(e)) && !(Number.isNaN(e) && Number.isNaN(got[i]!)));
  expect(bad, `${what}: first mismatch at ${bad}: got ${got[bad]}, want ${want[bad]}`).toBe(-1);
}

/** One case through the interpreter. */
export async function checkInterpreter(c: OnnxCase): Promise<void> {
  const { graph, feeds, want } = await prepare(c);
  verifyGraph(graph, { requireWeightData: true });
  const frozen = new Set(Object.keys(c.options?.freeze ?? {}));
  const inputs = Object.fromEntries(Object.entries(c.inputs).filter(([k]) => !frozen.has(k)).map(([k, s]) => [k, { shape: fedDims(s), data: nncArray(s, feeds[k]!) }]));
  const got = interpret(graph, inputs);
  for (const k of Object.keys(c.outputs)) expectClose(got[k]!.data, want[k]!, `interpreter ${k}`);
}

/** Whether every value of the graph is f32 (what the WebGPU backend computes). */
const allF32 = (g: Graph) => g.nodes.every((n) => n.type.dtype === 'f32');

/** Inputs for a bundle's predict: the named arrays, frozen inputs left out. */
function bundleFeeds(c: OnnxCase, run: Run) {
  const frozen = new Set(Object.keys(c.options?.freeze ?? {}));
  return Object.fromEntries(Object.entries(c.inputs).filter(([k]) => !frozen.has(k)).map(([k, s]) => [k, nncArray(s, run.feeds[k]!)]));
}

const outputsOf = (result: unknown, names: readonly string[]) => (ArrayBuffer.isView(result) ? { [names[0]!]: result } : result) as Record<string, ArrayLike<number>>;

/** All cases (of one opset) merged into one model, through the wasm bundle (its three builds). */
export async function checkWasm(all: readonly OnnxCase[]): Promise<void> {
  const merged = merge(all.filter((c) => !c.interpreterOnly));
  const run = await prepare(merged);
  const bundle = await buildWasmBundle(run.graph);
  const feeds = bundleFeeds(merged, run);
  for (const { name, model } of await loadEveryBuild(await bundle.import())) {
    const got = outputsOf(model.predict((Object.keys(feeds).length === 1 ? Object.values(feeds)[0] : feeds) as never), model.outputNames);
    for (const k of Object.keys(merged.outputs)) expectClose(got[k]!, run.want[k]!, `${name} ${k}`);
  }
}

/** The cases whose IR is all f32, merged, through the WebGPU bundle on Dawn; returns how many ran. */
export async function checkWebGpu(cases: readonly OnnxCase[]): Promise<number> {
  const f32 = cases.filter((c) => !c.interpreterOnly && allF32(loadOnnxGraph(writeCase(c), c.options)));
  if (f32.length === 0) return 0;
  const merged = merge(f32);
  const run = await prepare(merged);
  const model = await (await (await buildWebGpuBundle(run.graph)).import()).load({ gpu: await dawnGpu() });
  try {
    const feeds = bundleFeeds(merged, run) as Record<string, Float32Array>;
    const got = outputsOf(await model.predict(Object.keys(feeds).length === 1 ? Object.values(feeds)[0]! : feeds), model.outputNames);
    for (const k of Object.keys(merged.outputs)) expectClose(got[k]!, run.want[k]!, `webgpu ${k}`);
  } finally {
    await model.dispose();
  }
  return f32.length;
}
