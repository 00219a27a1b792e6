/**
 * Model-local ONNX functions (as PyTorch's dynamo exporter writes them) are inlined before import:
 * calls renamed apart, attribute references resolved to the call's attributes; the result equals
 * onnxruntime-web, which runs the functions itself.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { interpret } from '../../src/ir/interpreter.js';
import { printGraph } from '../../src/ir/printer.js';
import { tensor } from '../../src/ir/tensor.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { DataType, valueInfo } from '../helpers/onnx-model.js';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import { expectClose } from '../helpers/onnx-case-table.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

const { onnx } = onnxProto;
const T = onnx.AttributeProto.AttributeType;
afterAll(removeTempDirs);

const node = (opType: string, input: string[], output: string[], attribute: onnxProto.onnx.IAttributeProto[] = [], domain = '') =>
  onnx.NodeProto.create({ opType, input, output, attribute, domain, name: output[0] });

/** local.Scale(x; alpha) = x * alpha, then Flatten at the call's axis; local.Twice calls Scale twice. */
function writeModel(calls: onnxProto.onnx.INodeProto[], functions: onnxProto.onnx.IFunctionProto[]): string {
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
    functions,
    graph: { name: 'g', node: calls, input: [valueInfo('x', DataType.FLOAT, ['N', 2, 3])], output: [valueInfo('y', DataType.FLOAT)] },
  });
  const path = join(tempDir('onnx-fn'), 'model.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

const scale = onnx.FunctionProto.create({
  name: 'Scale',
  domain: 'local',
  input: ['a'],
  output: ['out'],
  attribute: ['alpha', 'axis'],
  opsetImport: [{ domain: '', version: 17 }],
  node: [
    node('Constant', [], ['k'], [{ name: 'value_float', refAttrName: 'alpha', type: T.FLOAT }]),
    node('Mul', ['a', 'k'], ['t']),
    node('Flatten', ['t'], ['out'], [{ name: 'axis', refAttrName: 'axis', type: T.INT }]),
  ],
});
const twice = onnx.FunctionProto.create({
  name: 'Twice',
  domain: 'local',
  input: ['a'],
  output: ['out'],
  attribute: ['alpha'],
  opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
  node: [
    node('Scale', ['a'], ['t'], [{ name: 'alpha', refAttrName: 'alpha', type: T.FLOAT }], 'local'),
    node('Scale', ['t'], ['out'], [{ name: 'alpha', f: 0.5, type: T.FLOAT }], 'local'),
  ],
});

describe('ONNX local functions', () => {
  it('nested calls with attribute references (one left to the default) are inlined and equal onnxruntime', async () => {
    const path = writeModel([node('Twice', ['x'], ['m'], [{ name: 'alpha', f: 3, type: T.FLOAT }], 'local'), node('Scale', ['m'], ['y'], [{ name: 'alpha', f: -2, type: T.FLOAT }, { name: 'axis', i: 1, type: T.INT }], 'local')], [scale, twice]);
    const graph = loadOnnxGraph(path);
    expect(printGraph(graph)).not.toMatch(/Scale|Twice/);
    const x = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
    const want = (await (await onnxSession(path)).run({ x: new ort.Tensor('float32', x, [2, 2, 3]) })).y!;
    expect(want.dims).toEqual([2, 6]);
    expectClose(interpret(graph, { x: tensor([2, 2, 3], x) }).y!.data, Array.from(want.data as Float32Array), 'interpreter y');
  });

  it("an attribute the call leaves out takes the function's default (attribute_proto), as onnxruntime does", async () => {
    // onnx-proto's schema predates FunctionProto.attribute_proto (field 11): its bytes are appended by hand.
    const field = (n: number, body: Uint8Array) => {
      const length: number[] = [];
      for (let v = body.length; ; v >>= 7) {
        length.push((v & 0x7f) | (v >= 0x80 ? 0x80 : 0));
        if (v < 0x80) break;
      }
      const tag = (n << 3) | 2;
      return Uint8Array.from([...(tag >= 0x80 ? [(tag & 0x7f) | 0x80, tag >> 7] : [tag]), ...length, ...body]);
    };
    const fn = onnx.FunctionProto.encode(scale).finish();
    const withDefault = Uint8Array.from([...fn, ...field(11, onnx.AttributeProto.encode({ name: 'alpha', f: 2.5, type: T.FLOAT }).finish())]);
    const model = onnx.ModelProto.encode(
      onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }],
        graph: { name: 'g', node: [node('Scale', ['x'], ['y'], [], 'local')], input: [valueInfo('x', DataType.FLOAT, ['N', 2, 3])], output: [valueInfo('y', DataType.FLOAT)] },
      }),
    ).finish();
    const path = join(tempDir('onnx-fn'), 'model.onnx');
    writeFileSync(path, Uint8Array.from([...model, ...field(25, withDefault)]));
    const x = Float32Array.from({ length: 12 }, (_, i) => i - 5.5);
    const want = (await (await onnxSession(path)).run({ x: new ort.Tensor('float32', x, [2, 2, 3]) })).y!;
    expect(Array.from(want.data as Float32Array).slice(0, 2)).toEqual([-13.75, -11.25]);
    expectClose(interpret(loadOnnxGraph(path), { x: tensor([2, 2, 3], x) }).y!.data, Array.from(want.data as Float32Array), 'interpreter y');
  });

  it('a call of an unknown domain is refused by name', () => {
    const path = writeModel([node('Frob', ['x'], ['y'], [], 'com.example')], [scale]);
    expect(catchNnc(() => loadOnnxGraph(path)).message).toMatch(/ONNX op com\.example\.Frob/);
  });

  it('a function calling itself is refused', () => {
    const loop = onnx.FunctionProto.create({ name: 'Loop', domain: 'local', input: ['a'], output: ['out'], opsetImport: [{ domain: '', version: 17 }], node: [node('Loop', ['a'], ['out'], [], 'local')] });
    const path = writeModel([node('Loop', ['x'], ['y'], [], 'local')], [loop]);
    expect(catchNnc(() => loadOnnxGraph(path)).message).toMatch(/function 'Loop' calls itself/);
  });
});
