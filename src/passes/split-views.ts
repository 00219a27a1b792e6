/**
 * Which results of a `split` the memory plan may leave inside the split's operand (part of
 * memory planning; the graph is unchanged). A piece of x [.., n] cut along its last axis is, in
 * x's bytes, one block of its own columns per row, a row of x apart: kernels that read an
 * operand as such blocks (the backend says which, `BlockReader`) read the piece in place, so the
 * split copies nothing for it. An LSTM step's four gates are such pieces of one product.
 *
 * A piece is a view when
 * - its operand is a contiguous arena value (not a constant, not itself such a view);
 * - everything from the split axis on is static and the batch axis, if any, comes before it
 *   (a block is then the same bytes at every batch size);
 * - it is not a graph output (callers read outputs densely), and every reader reads blocks:
 *   a kernel the backend names, or a reshape that keeps the block a suffix of its shape and
 *   whose own readers all qualify (the reshape is then a view of the view).
 */
import { RESULT_OP, type Graph, type Node } from '../ir/graph.js';
import { normalizeAxis } from '../ir/ops/softmax.js';
import { isConstantOp, isViewOp, viewedValue } from '../ir/traits.js';
import { bytesOf, elementsPerRow, type Shape } from '../ir/types.js';
import type { RowBlocks } from './memory-plan-types.js';

/** Whether the backend's kernel for `reader` reads its operand number `operand` in place as `blocks`. */
export type BlockReader = (reader: Node, operand: number, blocks: RowBlocks) => boolean;

/** A value that lives inside `source`'s bytes, from `offsetBytes` on, as `blocks`. */
export interface BlockView {
  readonly source: Node;
  readonly offsetBytes: number;
  readonly blocks: RowBlocks;
}

/** The split pieces (and reshapes of them) that can be views of their operand, each with where it lies. */
export function splitViews(graph: Graph, reads: BlockReader): Map<Node, BlockView> {
  const readers = new Map<Node, { node: Node; operand: number }[]>();
  for (const n of graph.nodes) n.inputs.forEach((x, operand) => readers.get(x)?.push({ node: n, operand }) ?? readers.set(x, [{ node: n, operand }]));
  const outputs = new Set(graph.outputs.map((o) => o.node));
  const views = new Map<Node, BlockView>();

  /** Whether every reader of `v` reads blocks (through reshapes that keep them); collects those reshapes. */
  const readsBlocks = (v: Node, blocks: RowBlocks, reshapes: Node[]): boolean =>
    !outputs.has(v) &&
    (readers.get(v) ?? []).every(({ node, operand }) => {
      if (!isViewOp(node.op)) return reads(node, operand, blocks);
      reshapes.push(node);
      return keepsBlock(node.type.shape, blocks.bytes / bytesOf(node.type.dtype)) && readsBlocks(node, blocks, reshapes);
    });

  for (const piece of graph.nodes) {
    const split = piece.op === RESULT_OP ? piece.inputs[0]! : undefined;
    if (split?.op !== 'split') continue;
    const x = split.inputs[0]!;
    const source = viewedValue(x);
    if (isConstantOp(source.op) || views.has(source)) continue;
    const shape = x.type.shape;
    const axis = normalizeAxis(Number(split.attrs.axis), shape.length);
    const tail = shape.slice(axis);
    if (tail.includes(null) || shape.indexOf(null) > axis) continue;
    const index = Number(piece.attrs.index);
    const sizes = split.attrs.sizes as readonly number[];
    const bytes = bytesOf(x.type.dtype);
    const inner = elementsPerRow(shape.slice(axis + 1)) * bytes;
    const begin = sizes.slice(0, index).reduce((p, s) => p + s, 0);
    const blocks: RowBlocks = { bytes: sizes[index]! * inner, pitch: elementsPerRow(tail) * bytes };
    const reshapes: Node[] = [];
    if (!readsBlocks(piece, blocks, reshapes)) continue;
    const view: BlockView = { source: x, offsetBytes: begin * inner, blocks };
    for (const v of [piece, ...reshapes]) views.set(v, view);
  }
  return views;
}

/** Whether `elements` is the product of a suffix of `shape` that leaves the batch axis out. */
function keepsBlock(shape: Shape, elements: number): boolean {
  let p = 1;
  for (let i = shape.length - 1; i >= 0 && shape[i] !== null; i--) {
    p *= shape[i]!;
    if (p === elements) return true;
  }
  return elements === 1;
}
