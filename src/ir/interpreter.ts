import { NncError } from '../errors.js';
import { RESULT_OP, type Graph, type Node } from './graph.js';
import { opRegistry } from './ops/index.js';
import { dataOf, type Tensor } from './tensor.js';
import { concreteShape, formatShape, type DType, type TensorType } from './types.js';

export type TensorMap = Record<string, Tensor>;

/**
 * The reference interpreter: the oracle inside the project. It runs any graph, before or after
 * passes, one node at a time with each op's `evaluate`, each value in the storage of its dtype
 * (Float32Array, Int32Array, Uint8Array; see tensor.ts), rounded to it after every node. Inputs are keyed by
 * input name; every input must share one batch size. A multi-result node evaluates all its
 * results at once (`evaluateResults`); its projections pick them up.
 */
export function interpret(graph: Graph, inputs: TensorMap): TensorMap {
  const values = new Map<Node, Tensor>();
  const results = new Map<Node, Tensor[]>();
  const batch = batchOf(graph, inputs);
  for (const n of graph.nodes) {
    if (n.results) results.set(n, evaluateResults(n, values, batch));
    else if (n.op === RESULT_OP) values.set(n, results.get(n.inputs[0]!)?.[Number(n.attrs.index)] ?? badProjection(n));
    else values.set(n, evaluateNode(graph, n, inputs, values, batch));
  }
  const out: TensorMap = {};
  for (const o of graph.outputs) out[o.name] = values.get(o.node)!;
  return out;
}

function batchOf(graph: Graph, inputs: TensorMap): number {
  let batch: number | undefined;
  for (const n of graph.inputs) {
    const t = inputs[n.name!] ?? missing(n);
    const want = n.type.shape;
    const ok = t.shape.length === want.length && want.every((d, i) => d === null || d === t.shape[i]);
    if (!ok) throw new NncError('NNC5002', `input '${n.name}' has shape [${t.shape.join(',')}], expected ${formatShape(want)}`);
    want.forEach((d, i) => {
      if (d !== null) return;
      if (batch !== undefined && batch !== t.shape[i]) throw new NncError('NNC5002', `inputs disagree on the batch size (${batch} vs ${t.shape[i]})`);
      batch = t.shape[i]!;
    });
  }
  return batch ?? 1;
}

function missing(n: Node): never {
  throw new NncError('NNC5002', `no value for input '${n.name}'`);
}

function badProjection(n: Node): never {
  throw new NncError('NNC2007', `a result node (index ${String(n.attrs.index)}) reads no result of a multi-result node; verify the graph`);
}

function evaluateResults(n: Node, values: ReadonlyMap<Node, Tensor>, batch: number): Tensor[] {
  const def = opRegistry.get(n.op)!;
  if (!def.evaluateResults) throw new NncError('NNC2007', `'${n.op}' has no multi-result evaluation`);
  const outs = n.results!.map((t): TensorType => ({ dtype: t.dtype, shape: concreteShape(t.shape, batch) }));
  const tensors = def.evaluateResults(
    n.inputs.map((i) => values.get(i)!),
    n.attrs,
    outs,
  );
  return tensors.map((t, k) => stored(outs[k]!.dtype, outs[k]!.shape as number[], t.data));
}

function evaluateNode(graph: Graph, n: Node, inputs: TensorMap, values: Map<Node, Tensor>, batch: number): Tensor {
  const shape = concreteShape(n.type.shape, batch);
  if (n.op === 'input') return stored(n.type.dtype, inputs[n.name!]!.shape, inputs[n.name!]!.data);
  if (n.op === 'weight') {
    const data = graph.weights.get(n.name!);
    if (!data) throw new NncError('NNC2007', `weight %${n.name} has no data`, { location: { node: `%${n.name}` } });
    return stored(n.type.dtype, shape, data);
  }
  const def = opRegistry.get(n.op)!;
  const out: TensorType = { dtype: n.type.dtype, shape };
  const result = def.evaluate(
    n.inputs.map((i) => values.get(i)!),
    n.attrs,
    out,
  );
  // Round to the storage of the node's dtype: every backend stores it so, so the oracle must too.
  return stored(n.type.dtype, shape, result.data);
}

function stored(dtype: DType, shape: readonly number[], data: ArrayLike<number>): Tensor {
  const size = shape.reduce((p, d) => p * d, 1);
  if (data.length !== size) throw new Error(`tensor: ${data.length} values for shape [${shape.join(',')}]`);
  return { shape: [...shape], data: dataOf(dtype, data) };
}
