import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { DataType, node, tensor, valueInfo } from '../../test/helpers/onnx-model.js';
import type { FuzzTarget } from '../harness.js';
import { mutateOnnx } from '../onnx-mutators.js';
import { lowerAndCheck, scratchDir } from './shared.js';

const { onnx } = onnxProto;
const floats = (n: number) => Array.from({ length: n }, (_, i) => Math.cos(i));

function encode(graph: { nodes: ReturnType<typeof node>[]; initializers: ReturnType<typeof tensor>[]; inputs: ReturnType<typeof valueInfo>[]; outputs: ReturnType<typeof valueInfo>[] }): Uint8Array {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node: graph.nodes, initializer: graph.initializers, input: graph.inputs, output: graph.outputs },
  });
  return onnx.ModelProto.encode(model).finish();
}

/** Seeds: an MLP (Gemm, MatMul + Add, activations, Softmax), and a graph of shape ops (Flatten, Reshape, Split, Concat, Cast, Equal). */
function seeds(): Uint8Array[] {
  const mlp = encode({
    nodes: [
      node('Gemm', ['x', 'w1', 'b1'], 'h', { transB: 1 }),
      node('Relu', ['h'], 'r'),
      node('MatMul', ['r', 'w2'], 'm'),
      node('Add', ['m', 'b2'], 'a'),
      node('LeakyRelu', ['a'], 'l'),
      node('Softmax', ['l'], 'y', { axis: -1 }),
    ],
    initializers: [tensor('w1', DataType.FLOAT, [5, 4], floats(20)), tensor('b1', DataType.FLOAT, [5], floats(5)), tensor('w2', DataType.FLOAT, [5, 3], floats(15)), tensor('b2', DataType.FLOAT, [3], floats(3))],
    inputs: [valueInfo('x', DataType.FLOAT, ['N', 4])],
    outputs: [valueInfo('y', DataType.FLOAT, ['N', 3])],
  });
  const split = onnx.NodeProto.create({ opType: 'Split', input: ['f', 'sizes'], output: ['p', 'q'], name: 'split', attribute: [onnx.AttributeProto.create({ name: 'axis', i: 1, type: onnx.AttributeProto.AttributeType.INT })] });
  const shapes = encode({
    nodes: [
      node('Flatten', ['x'], 'f', { axis: 1 }),
      split,
      node('Sigmoid', ['p'], 'ps'),
      node('Concat', ['q', 'ps'], 'c', { axis: 1 }),
      node('Reshape', ['c', 'shape'], 'y'),
      node('Cast', ['y'], 'yi', { to: DataType.INT32 }),
      node('Equal', ['yi', 'yi'], 'e'),
    ],
    initializers: [tensor('sizes', DataType.INT64, [2], [2, 4]), tensor('shape', DataType.INT64, [3], [-1, 2, 3])],
    inputs: [valueInfo('x', DataType.FLOAT, ['N', 2, 3])],
    outputs: [valueInfo('y', DataType.FLOAT), valueInfo('e', DataType.BOOL)],
  });
  return [mlp, shapes];
}

/** ONNX files: the decoded ModelProto mutated in its structure, re-encoded (now and then bytes flipped). */
export const onnxTarget: FuzzTarget = {
  name: 'onnx',
  async prepare() {
    const all = seeds();
    const scratch = scratchDir('onnx');
    return (rng) => {
      const bytes = mutateOnnx(rng, rng.pick(all));
      const files = { 'model.onnx': bytes };
      return {
        files,
        run() {
          scratch.write(files);
          lowerAndCheck(loadOnnxGraph(join(scratch.dir, 'model.onnx')));
        },
      };
    };
  },
};
