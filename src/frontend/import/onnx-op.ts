/**
 * The pieces every module of the ONNX importer's op table shares (onnx.ts, onnx-cnn.ts,
 * onnx-pool.ts, onnx-math.ts, onnx-shape.ts, onnx-rnn.ts): a table entry's constructor, a node's display name, and ONNX
 * element types as IR dtypes. Kept apart from onnx.ts, which imports the other modules' tables,
 * so that no module reads a value of a module that is still loading.
 */
import onnxProto from 'onnx-proto';
import type { Node } from '../../ir/graph.js';
import type { DType } from '../../ir/types.js';
import type { AttrTable, AttrValues } from './attributes.js';
import type { Known } from './onnx-known.js';
import type { OnnxContext, OnnxNode, OnnxOp } from './onnx.js';

/** A table entry: the attributes the op reads (or ignores) and how it becomes IR or a known value. */
export const op = <T extends AttrTable>(attrs: T, build: (n: OnnxNode, ctx: OnnxContext, a: AttrValues<T>) => Node | readonly Node[] | Known): OnnxOp => ({
  attrs,
  build: build as OnnxOp['build'],
});

/** How diagnostics name a node: its name, else its first output. */
export const nodeName = (n: OnnxNode) => n.name || n.output[0] || '?';

const DataType = onnxProto.onnx.TensorProto.DataType;
/** An ONNX element type's name, as diagnostics show it. */
export const elemTypeName = (t: number) => DataType[t] ?? `data type ${t}`;
/**
 * The IR dtype of an ONNX element type: FLOAT is f32, INT32 i32, BOOL bool; INT64 is narrowed to
 * i32 (initializers only when every value fits; a graph input of INT64 takes an Int32Array).
 */
export function irDtype(t: number): DType | undefined {
  return t === DataType.FLOAT ? 'f32' : t === DataType.INT32 || t === DataType.INT64 ? 'i32' : t === DataType.BOOL ? 'bool' : undefined;
}
/** The IR dtype of an initializer's element type name (INT64 as i32; its numbers stay exact while known). */
export const initDtype = (elemType: string): DType => (elemType === 'FLOAT' ? 'f32' : elemType === 'BOOL' ? 'bool' : 'i32');
