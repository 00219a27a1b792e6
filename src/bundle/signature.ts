import type { Graph } from '../ir/graph.js';
import { elementsPerRow, type Shape } from '../ir/types.js';

/** One model input or output as the bundle's public API sees it. */
export interface BundleTensor {
  readonly name: string;
  /** IR shape; `null` is the batch dimension. */
  readonly shape: Shape;
  /** Float32 values per batch row (the product of the non-batch dimensions). */
  readonly valuesPerRow: number;
}

export interface BundleSignature {
  readonly inputs: readonly BundleTensor[];
  readonly outputs: readonly BundleTensor[];
}

/** The public signature of a graph: inputs in graph order, outputs in declaration order. */
export function bundleSignature(graph: Graph): BundleSignature {
  return {
    inputs: graph.inputs.map((n) => ({ name: n.name!, shape: n.type.shape, valuesPerRow: elementsPerRow(n.type.shape) })),
    outputs: graph.outputs.map((o) => ({ name: o.name, shape: o.node.type.shape, valuesPerRow: elementsPerRow(o.node.type.shape) })),
  };
}

/** `[batch, 28, 28]` for documentation comments. */
export function describeShape(shape: Shape): string {
  return `[${shape.map((d) => (d === null ? 'batch' : String(d))).join(', ')}]`;
}
