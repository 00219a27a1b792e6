/**
 * Errors in the user's own model get a diagnostic of their own with a location, never NNC2007
 * ("malformed graph", a compiler bug) or a crash: ONNX initializers whose data is not what their
 * dims say, names declared or written twice, non-positive sizes; model.ts layers sharing a name.
 */
import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { layers, sequential } from '../../src/frontend/index.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { DataType, node, tensor, valueInfo, writeOnnxModel } from '../helpers/onnx-model.js';

const x = valueInfo('x', DataType.FLOAT, ['N', 4]);
const y = valueInfo('y', DataType.FLOAT, ['N', 4]);
const addW = (w: ReturnType<typeof tensor>) => writeOnnxModel({ nodes: [node('Add', ['x', 'w'], 'y')], initializers: [w], inputs: [x], outputs: [y] });
const raw = (bytes: number, dims: number[]) => onnxProto.onnx.TensorProto.create({ name: 'w', dims, dataType: DataType.FLOAT, rawData: new Uint8Array(bytes) });

describe('user errors in ONNX models', () => {
  it.each([
    ['too few values', addW(tensor('w', DataType.FLOAT, [4], [1, 2, 3])), "initializer 'w' holds 3 values; dims [4] need 4"],
    ['raw_data of 1 byte', addW(raw(1, [4])), "initializer 'w' holds 1 bytes of raw_data, not whole FLOAT elements"],
    ['raw_data too short', addW(raw(8, [4])), "initializer 'w' holds 8 bytes of raw_data; dims [4] of FLOAT need 16"],
    ['negative dims', addW(tensor('w', DataType.FLOAT, [-4], [])), "initializer 'w' has dims [-4]; each must be a non-negative integer"],
    ['an input declared twice', writeOnnxModel({ nodes: [node('Add', ['x', 'x'], 'y')], inputs: [x, x], outputs: [y] }), "graph input 'x' is declared twice"],
    ['an output declared twice', writeOnnxModel({ nodes: [node('Relu', ['x'], 'y')], inputs: [x], outputs: [y, y] }), "graph output 'y' is declared twice"],
    ['a value written twice', writeOnnxModel({ nodes: [node('Relu', ['x'], 'y'), node('Neg', ['x'], 'y')], inputs: [x], outputs: [y] }), "value 'y' is written twice"],
    ['an axis of size 0', writeOnnxModel({ nodes: [node('Relu', ['x'], 'y')], inputs: [valueInfo('x', DataType.FLOAT, ['N', 0])], outputs: [y] }), "input 'x' has size 0 on axis 1; sizes must be positive"],
    ['an axis of size -28', writeOnnxModel({ nodes: [node('Relu', ['x'], 'y')], inputs: [valueInfo('x', DataType.FLOAT, ['N', -28])], outputs: [y] }), "input 'x' has size -28 on axis 1"],
  ])('%s: NNC6002 naming it', (_what, path, message) => {
    expect(() => loadOnnxGraph(path)).toThrow(expect.objectContaining({ code: 'NNC6002', location: expect.objectContaining({ file: path }) }));
    expect(() => loadOnnxGraph(path)).toThrow(message);
  });
});

describe('malformed ONNX nodes', () => {
  it('a node with too few inputs, a Concat of nothing, an output that is an initializer: named, never a crash', () => {
    const sub = writeOnnxModel({ nodes: [node('Sub', ['x'], 'y')], inputs: [x], outputs: [y] });
    expect(() => loadOnnxGraph(sub)).toThrow(expect.objectContaining({ code: 'NNC6001' }));
    expect(() => loadOnnxGraph(sub)).toThrow('Sub has no input where it needs one (it has 1)');
    const concat = writeOnnxModel({ nodes: [node('Concat', [], 'y', { axis: 1 })], inputs: [x], outputs: [y] });
    expect(() => loadOnnxGraph(concat)).toThrow(expect.objectContaining({ code: 'NNC6001' }));
    expect(() => loadOnnxGraph(concat)).toThrow('Concat has no input where it needs one (it has 0)');
    const constant = writeOnnxModel({ nodes: [node('Relu', ['x'], 'y')], initializers: [tensor('w', DataType.FLOAT, [4], [1, 2, 3, 4])], inputs: [x], outputs: [y, valueInfo('w', DataType.FLOAT, [4])] });
    expect(() => loadOnnxGraph(constant)).toThrow(expect.objectContaining({ code: 'NNC6001' }));
    expect(() => loadOnnxGraph(constant)).toThrow("graph output 'w' is an initializer (a constant)");
  });
});

describe('user errors in model files', () => {
  it('two layers with one name: NNC2006 naming the layer', () => {
    const build = () => sequential({ layers: [layers.dense({ inputShape: [4], units: 4, name: 'a' }), layers.dense({ units: 4, name: 'a' })] }).toGraph();
    expect(build).toThrow(expect.objectContaining({ code: 'NNC2006', location: { layer: 'a' } }));
    expect(build).toThrow("has two layers named 'a'");
  });
});
