import type { Graph, Node } from '../ir/graph.js';
import { normalizeAxis } from '../ir/ops/softmax.js';
import { loopOnlyInputs, loopOnlyOutputs } from '../ir/time-loop.js';
import { elementsPerRow, type DType, type Shape } from '../ir/types.js';

/** One model input or output as the bundle's public API sees it. */
export interface BundleTensor {
  readonly name: string;
  /** IR shape; `null` is the batch dimension, and a second `null` the steps of a sequence of any length. */
  readonly shape: Shape;
  /** Values per batch row (the product of the non-batch dimensions), per step for a sequence of any length. */
  readonly valuesPerRow: number;
  /** A sequence of any length ([batch, steps, ...]): predict takes the number of steps. */
  readonly steps?: true;
  readonly dtype: DType;
  /** The typed array predict takes or returns for it: Float32Array, Int32Array (i32), Uint8Array (bool). */
  readonly array: 'Float32Array' | 'Int32Array' | 'Uint8Array';
  /**
   * An int32 input that indexes a gather (an Embedding's token ids): the extent n it indexes, the
   * smallest where it indexes several. predict refuses an id outside [-n, n) (a negative one counts
   * from the end, as the gather op), which the compiled kernels could not report.
   */
  readonly indexExtent?: number;
}

export const TYPED_ARRAY = { f32: 'Float32Array', i32: 'Int32Array', bool: 'Uint8Array' } as const;

export interface BundleSignature {
  readonly inputs: readonly BundleTensor[];
  readonly outputs: readonly BundleTensor[];
  /**
   * For one step of a time loop (a sequence of unknown length, graph.loop): the states predict
   * carries from step to step (each an input and an output of the graph, hidden from callers),
   * and the output holding a state's initial value, if it has one.
   */
  readonly states?: readonly { readonly name: string; readonly initial?: string; readonly valuesPerRow: number }[];
  /** For one step of a time loop: the inputs that get step steps − 1 − t of the sequence input `of` (hidden from callers). */
  readonly reversed?: readonly { readonly name: string; readonly of: string }[];
}

/**
 * The public signature of a graph: inputs in graph order, outputs in declaration order. For one
 * step of a time loop, the loop's own states are left out, and its sequences are [batch, steps, ...].
 */
export function bundleSignature(graph: Graph): BundleSignature {
  const loop = graph.loop;
  const hiddenInputs = loop ? loopOnlyInputs(loop) : new Set<string>();
  const hiddenOutputs = loop ? loopOnlyOutputs(loop) : new Set<string>();
  const stepped = new Set([...(loop?.sequences ?? []), ...(loop?.perStep ?? [])]);
  const tensor = (name: string, n: Node, extent?: number): BundleTensor => ({
    name,
    shape: stepped.has(name) ? [n.type.shape[0]!, null, ...n.type.shape.slice(2)] : n.type.shape,
    valuesPerRow: elementsPerRow(n.type.shape),
    dtype: n.type.dtype,
    array: TYPED_ARRAY[n.type.dtype],
    ...(stepped.has(name) ? { steps: true as const } : {}),
    ...(extent === undefined ? {} : { indexExtent: extent }),
  });
  return {
    inputs: graph.inputs.filter((n) => !hiddenInputs.has(n.name!)).map((n) => tensor(n.name!, n, indexExtent(graph, n))),
    outputs: graph.outputs.filter((o) => !hiddenOutputs.has(o.name)).map((o) => tensor(o.name, o.node)),
    ...(loop
      ? { states: loop.carries.map((c) => ({ ...c, valuesPerRow: elementsPerRow(graph.inputs.find((n) => n.name === c.name)!.type.shape) })), reversed: loop.reversed }
      : {}),
  };
}

/** The smallest extent among the gathers that take `input` as their indices, if any do. */
function indexExtent(graph: Graph, input: Node): number | undefined {
  const extents = graph.nodes
    .filter((n) => n.op === 'gather' && n.inputs[1] === input)
    .map((n) => n.inputs[0]!.type.shape[normalizeAxis(Number(n.attrs.axis ?? 0), n.inputs[0]!.type.shape.length)] as number);
  return extents.length === 0 ? undefined : Math.min(...extents);
}

/** `[batch, 28, 28]` for documentation comments; `[batch, steps, 81]` for a sequence of any length. */
export function describeShape(shape: Shape): string {
  return `[${shape.map((d, i) => (d !== null ? String(d) : i === 0 ? 'batch' : 'steps')).join(', ')}]`;
}
