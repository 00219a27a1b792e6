import type { Graph, Node } from '../ir/graph.js';
import { normalizeAxis } from '../ir/ops/softmax.js';
import { elementsPerRow, type DType, type Shape } from '../ir/types.js';

/** One model input or output as the bundle's public API sees it. */
export interface BundleTensor {
  readonly name: string;
  /** IR shape; `null` is the batch dimension. */
  readonly shape: Shape;
  /** Values per batch row (the product of the non-batch dimensions). */
  readonly valuesPerRow: number;
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
}

/** The public signature of a graph: inputs in graph order, outputs in declaration order. */
export function bundleSignature(graph: Graph): BundleSignature {
  return {
    inputs: graph.inputs.map((n) => {
      const extent = indexExtent(graph, n);
      return { name: n.name!, shape: n.type.shape, valuesPerRow: elementsPerRow(n.type.shape), dtype: n.type.dtype, array: TYPED_ARRAY[n.type.dtype], ...(extent === undefined ? {} : { indexExtent: extent }) };
    }),
    outputs: graph.outputs.map((o) => ({
      name: o.name,
      shape: o.node.type.shape,
      valuesPerRow: elementsPerRow(o.node.type.shape),
      dtype: o.node.type.dtype,
      array: TYPED_ARRAY[o.node.type.dtype],
    })),
  };
}

/** The smallest extent among the gathers that take `input` as their indices, if any do. */
function indexExtent(graph: Graph, input: Node): number | undefined {
  const extents = graph.nodes
    .filter((n) => n.op === 'gather' && n.inputs[1] === input)
    .map((n) => n.inputs[0]!.type.shape[normalizeAxis(Number(n.attrs.axis ?? 0), n.inputs[0]!.type.shape.length)] as number);
  return extents.length === 0 ? undefined : Math.min(...extents);
}

/** `[batch, 28, 28]` for documentation comments. */
export function describeShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;
}
