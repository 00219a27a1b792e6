/**
 * The pieces every module of the ONNX importer's op table shares (onnx.ts, onnx-cnn.ts,
 * onnx-math.ts): a table entry's constructor and a node's display name. Kept apart from onnx.ts,
 * which imports the other modules' tables, so that no module reads a value of a module that is
 * still loading.
 */
import type { Node } from '../../ir/graph.js';
import type { AttrTable, AttrValues } from './attributes.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';

/** A table entry: the attributes the op reads (or ignores) and how it becomes IR. */
export const op = <T extends AttrTable>(attrs: T, build: (n: OnnxNode, ctx: OnnxContext, a: AttrValues<T>) => Node | readonly Node[]): OnnxOp => ({
  attrs,
  build: build as OnnxOp['build'],
});

/** How diagnostics name a node: its name, else its first output. */
export const nodeName = (n: OnnxNode) => n.name || n.output[0] || '?';
