import { NncError } from '../errors.js';
import type { Graph, Node } from './graph.js';
import { opRegistry } from './ops/index.js';
import { tensor, type Tensor } from './tensor.js';
import { concreteShape, formatShape, type TensorType } from './types.js';

export type TensorMap = Record<string, Tensor>;

/**
 * The reference interpreter: the oracle inside the project. It runs any graph, before or after
 * passes, one node at a time with each op's `evaluate`, in float32 storage. Inputs are keyed by
 * input name; every input must share one batch size.
 */
export function interpret(graph: Graph, inputs: TensorMap): TensorMap {
  const values = new Map<Node, Tensor>();
  const batch = batchOf(graph, inputs);
  for (const n of graph.nodes) values.set(n, evaluateNode(graph, n, inputs, values, batch));
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

function evaluateNode(graph: Graph, n: Node, inputs: TensorMap, values: Map<Node, Tensor>, batch: number): Tensor {
  const shape = concreteShape(n.type.shape, batch);
  if (n.op === 'input') return inputs[n.name!]!;
  if (n.op === 'weight') {
    const data = graph.weights.get(n.name!);
    if (!data) throw new NncError('NNC2007', `weight %${n.name} has no data`, { location: { node: `%${n.name}` } });
    return tensor(shape, data);
  }
  const def = opRegistry.get(n.op)!;
  const out: TensorType = { dtype: n.type.dtype, shape };
  const result = def.evaluate(
    n.inputs.map((i) => values.get(i)!),
    n.attrs,
    out,
  );
  // Round to float32 storage: every backend stores f32, so the oracle must too.
  return result.data instanceof Float32Array ? result : tensor(shape, Float32Array.from(result.data));
}
