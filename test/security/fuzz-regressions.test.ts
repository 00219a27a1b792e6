/**
 * Every crasher the fuzzers (fuzz/, `npm run fuzz`) found, minimized: each once crashed nnc (a
 * TypeError, an NNC2007 from the verifier, an endless loop) and now gets an NncError with a code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NncError } from '../../src/errors.js';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { input, layers, model, sequential } from '../../src/frontend/index.js';
import { parseScalar, printScalar } from '../../src/ir/scalar-expr.js';
import { tensor } from '../../src/ir/tensor.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { optimize } from '../../src/passes/index.js';
import { Trainer } from '../../src/train/trainer.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { DataType, node, tensor as onnxTensor, valueInfo, writeOnnxModel } from '../helpers/onnx-model.js';

/** A parsed JSON file, edited in place by the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = Record<string, any>;

/** model.json (+ weights.bin of `weights` bytes) in a fresh folder; returns the model.json path. */
function writeModel(json: unknown, weights: Uint8Array = new Uint8Array()): string {
  const dir = mkdtempSync(join(tmpdir(), 'nnc-fuzz-regression-'));
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  writeFileSync(join(dir, 'weights.bin'), weights);
  return join(dir, 'model.json');
}

/** A tfjs Layers model.json of `m` (as nnc exports it), edited by `edit`. */
function layersModel(m: ReturnType<typeof sequential> | ReturnType<typeof model>, edit: (topology: Json) => void): string {
  const { modelJson, weightsBin } = toTfjsArtifacts(m);
  const json = JSON.parse(JSON.stringify(modelJson)) as Json;
  edit(json.modelTopology);
  return writeModel(json, weightsBin);
}

const denseModel = () => sequential({ layers: [layers.dense({ inputShape: [2], units: 1 })] });
const graphNodes = (nodes: unknown[], signature?: unknown) => writeModel({ format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [], ...(signature ? { signature } : {}) });
const placeholder = { name: 'x', op: 'Placeholder', attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '2' }] } } } };

describe('tfjs Layers importer crashers', () => {
  it('a modelTopology that is not an object (was: TypeError, `in` on a number)', () => {
    const e = catchNnc(() => loadTfjsLayersModel(writeModel({ modelTopology: 2147483648 })));
    expect(e.code).toBe('NNC6002');
    expect(e.message).toContain('has no modelTopology with a class_name');
    expect(catchNnc(() => loadTfjsLayersModel(writeModel(null))).code).toBe('NNC6002');
  });

  it("a Conv2D dilation_rate or a pool_size that is an object (was: TypeError 'is not iterable')", () => {
    const cnn = () => sequential({ layers: [layers.conv2d({ inputShape: [4, 4, 1], filters: 1, kernelSize: 2 }), layers.maxPooling2d({ poolSize: 2 })] });
    const conv = catchNnc(() => loadTfjsLayersModel(layersModel(cnn(), (t) => (t.config.layers[0].config.dilation_rate = {}))));
    expect([conv.code, conv.message]).toEqual(['NNC1006', expect.stringContaining('dilationRate must be a positive integer or a pair of them, got {}')]);
    const pool = catchNnc(() => loadTfjsLayersModel(layersModel(cnn(), (t) => (t.config.layers[1].config.pool_size = {}))));
    expect(pool.code).toBe('NNC1006');
    expect(pool.message).toContain('poolSize');
  });

  const functional = () => {
    const x = input({ shape: [2] });
    return model({ inputs: x, outputs: layers.dense({ units: 1 }).apply(x) });
  };

  it('a layer call with no inputs (was: TypeError in apply)', () => {
    const e = catchNnc(() => loadTfjsLayersModel(layersModel(functional(), (t) => (t.config.layers[1].inbound_nodes = [[]]))));
    expect([e.code, e.message]).toEqual(['NNC1006', expect.stringContaining('apply() expects a SymbolicTensor')]);
  });

  it('an input listed twice in input_layers (was: NNC2007 duplicate value name)', () => {
    const e = catchNnc(() => loadTfjsLayersModel(layersModel(functional(), (t) => t.config.input_layers.push(t.config.input_layers[0]))));
    expect([e.code, e.message]).toEqual(['NNC2006', expect.stringContaining('inputs lists the tensor of layer')]);
  });

  it('a layer named by a plain number (was: NNC2007, %1 is reserved for numbered values)', () => {
    const e = catchNnc(() => loadTfjsLayersModel(layersModel(denseModel(), (t) => (t.config.layers[0].config.name = '1'))));
    expect([e.code, e.message]).toEqual(['NNC1006', expect.stringContaining('name must be a string that is not a plain number, got "1"')]);
  });
});

describe('tfjs graph importer crashers', () => {
  it('a binary op with one input (was: NNC2007 from the builder) and a unary op with none (was: TypeError)', () => {
    const e = catchNnc(() => loadTfjsGraphModel(graphNodes([placeholder, { name: 'm', op: 'Mul', input: ['x'] }, { name: 'r', op: 'Relu' }])));
    expect(e.code).toBe('NNC6001');
    expect(e.message).toContain("node m");
    expect(e.message).toContain('Mul has no input where it needs one (it has 1)');
    expect(e.message).toContain('Relu has no input where it needs one (it has 0)');
  });

  it('a MatMul with transpose_b and one input (was: TypeError reading the missing operand name)', () => {
    const e = catchNnc(() => loadTfjsGraphModel(graphNodes([placeholder, { name: 'm', op: 'MatMul', input: ['x'], attr: { transpose_b: { b: true } } }])));
    expect([e.code, e.message]).toEqual(['NNC6001', expect.stringContaining('MatMul has no input where it needs one (it has 1)')]);
  });

  it('an attr whose string is not a string (was: TypeError in Buffer.from)', () => {
    const e = catchNnc(() => loadTfjsGraphModel(graphNodes([placeholder, { name: 'y', op: 'BiasAdd', input: ['x', 'x'], attr: { data_format: { s: 1e9 } } }])));
    expect([e.code, e.message]).toEqual(['NNC6002', expect.stringContaining('$.modelTopology.node[1].attr.data_format.s')]);
  });

  it('a graph with no outputs (was: NNC2007 graph has no outputs)', () => {
    const e = catchNnc(() => loadTfjsGraphModel(graphNodes([placeholder, { name: 'r', op: 'Relu', input: ['x', 'r'] }])));
    expect([e.code, e.message]).toEqual(['NNC6002', expect.stringContaining('has no outputs')]);
  });

  it('two nodes of one name (was: NNC2007 duplicate output name)', () => {
    const e = catchNnc(() => loadTfjsGraphModel(graphNodes([placeholder, { name: 'y', op: 'Relu', input: ['x'] }, { name: 'y', op: 'Tanh', input: ['x'] }])));
    expect([e.code, e.message]).toEqual(['NNC6002', expect.stringContaining("two nodes are named 'y'")]);
  });

  it('a ConcatV2 axis that is a float constant (was: NNC2007, concat axis 0.84)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-fuzz-regression-'));
    const nodes = [placeholder, { name: 'axis', op: 'Const', attr: { dtype: { type: 'DT_FLOAT' } } }, { name: 'c', op: 'ConcatV2', input: ['x', 'x', 'axis'] }];
    writeFileSync(join(dir, 'model.json'), JSON.stringify({ format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [{ paths: ['w.bin'], weights: [{ name: 'axis', shape: [], dtype: 'float32' }] }] }));
    writeFileSync(join(dir, 'w.bin'), new Uint8Array(Float32Array.of(0.5).buffer));
    const e = catchNnc(() => loadTfjsGraphModel(join(dir, 'model.json')));
    expect([e.code, e.message]).toEqual(['NNC6001', expect.stringContaining("operand 'axis' must be an int32 constant")]);
  });

  it('a Cast to the dtype it has, fused into an add (was: NNC2007, to_f32 did not parse back)', () => {
    const cast = { name: 'c', op: 'Cast', input: ['x'], attr: { SrcT: { type: 'DT_FLOAT' }, DstT: { type: 'DT_FLOAT' } } };
    const graph = loadTfjsGraphModel(graphNodes([placeholder, cast, { name: 'y', op: 'AddV2', input: ['x', 'c'] }], { outputs: { y: { name: 'y:0' } } }));
    const optimized = optimize(graph, { verify: true });
    verifyGraph(optimized);
    expect(optimized.nodes.some((n) => n.op === 'elementwise' && String(n.attrs.expr).includes('to_f32'))).toBe(true);
    expect(printScalar(parseScalar('add($0,to_f32($1))'))).toBe('add($0,to_f32($1))');
  });
});

describe('ONNX importer crashers', () => {
  it('a graph with no outputs (was: NNC2007 graph has no outputs)', () => {
    const path = writeOnnxModel({ nodes: [node('Relu', ['x'], 'y')], inputs: [valueInfo('x', DataType.FLOAT, ['N', 2])], outputs: [] });
    const e = catchNnc(() => loadOnnxGraph(path));
    expect([e.code, e.message]).toEqual(['NNC6002', expect.stringContaining('declares no graph outputs')]);
  });

  it('a float tensor where ONNX types integers: ReduceSum axes, Unsqueeze axes, Tile repeats, Resize sizes (was: NNC2007, reduce_sum axes 0.54)', () => {
    const f = DataType.FLOAT;
    const refused = (nodes: ReturnType<typeof node>[], inits: ReturnType<typeof onnxTensor>[], opset = 13) => {
      const e = catchNnc(() => loadOnnxGraph(writeOnnxModel({ nodes, initializers: inits, inputs: [valueInfo('x', f, ['N', 2, 4, 4])], outputs: [valueInfo('y', f)], opset })));
      return [e.code, [e.message, ...((e as NncError & { errors?: NncError[] }).errors ?? []).map((x) => x.message)].join('\n')];
    };
    const cases = [
      refused([node('ReduceSum', ['x', 'a'], 'y')], [onnxTensor('a', f, [1], [0.54])]),
      refused([node('ReduceSum', ['x', 'a'], 'y')], [onnxTensor('a', f, [1], [1])]),
      refused([node('Unsqueeze', ['x', 'a'], 'y')], [onnxTensor('a', f, [1], [1])]),
      refused([node('Tile', ['x', 'r'], 'y')], [onnxTensor('r', f, [4], [1, 1, 1, 2])]),
      refused([node('Resize', ['x', '', '', 's'], 'y')], [onnxTensor('s', f, [2], [8, 8])], 18),
    ];
    for (const c of cases) expect(c).toEqual(['NNC6001', expect.stringMatching(/must be integers \(INT64\), got f32/)]);
  });
});

describe('model file (Layers API) crashers', () => {
  it.each([
    ['input({ shape: 0.5 })', () => input({ shape: 0.5 as never })],
    ['dense({ inputShape: 5 })', () => layers.dense({ units: 1, inputShape: 5 as never })],
    ['dropout({ rate: [] })', () => layers.dropout({ rate: [] as never })],
    ["dense({ name: '1' })", () => layers.dense({ units: 1, name: '1' })],
  ])('%s is refused with NNC1006 (was: TypeError or NNC2007)', (_what, make) => {
    expect(catchNnc(make).code).toBe('NNC1006');
  });

  it('model({ inputs: [x, x] }) is refused with NNC2006 (was: NNC2007 duplicate value name)', () => {
    const x = input({ shape: [2] });
    expect(catchNnc(() => model({ inputs: [x, x], outputs: layers.dense({ units: 1 }).apply(x) })).code).toBe('NNC2006');
  });
});

describe('training crashers', () => {
  const trainer = () => {
    const m = denseModel();
    m.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    return new Trainer(m.toGraph(), m.trainingConfig!);
  };
  const data = { x: tensor([2, 2], [1, 2, 3, 4]), y: tensor([2, 1], [1, 0]) };

  it.each([0, -1, 1.5, Number.NaN])('evaluate and predict refuse batchSize %s with NNC5005 (was: an endless loop at 0 and -1)', (batchSize) => {
    expect(catchNnc(() => trainer().evaluate(data, batchSize)).code).toBe('NNC5005');
    expect(catchNnc(() => trainer().predict(data.x, batchSize)).code).toBe('NNC5005');
  });

  it('predict of no examples is NNC5002 (was: TypeError reading the first batch)', () => {
    expect(catchNnc(() => trainer().predict(tensor([0, 2], []))).message).toContain('predict x: the data set has no examples');
  });
});
