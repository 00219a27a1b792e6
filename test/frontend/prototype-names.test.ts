import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { NncErrorList, type NncError } from '../../src/errors.js';
import { layers, sequential } from '../../src/frontend/index.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { parseScalar } from '../../src/ir/scalar-expr.js';
import { Trainer } from '../../src/train/trainer.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';

/**
 * Names every JavaScript object inherits: a lookup by user-given name must not take them for
 * known activations, layers, ops, losses or optimizers.
 */
const INHERITED = ['constructor', 'toString', '__proto__'] as const;

const { onnx } = onnxProto;
const dir = mkdtempSync(join(tmpdir(), 'nnc-prototype-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const tempPath = (name: string) => join(dir, `${files++}-${name}`);

/** The NncError `fn` throws; a TypeError or any other exception fails the test. */
const diagnostic = catchNnc;

/** Every problem of an error: the list's entries, or the error itself. */
const problems = (e: NncError) => (e instanceof NncErrorList ? e.errors : [e]);

describe('names inherited from Object.prototype are unknown names', () => {
  it('activations in the Layers API', () => {
    for (const name of INHERITED) {
      for (const make of [() => layers.dense({ units: 2, activation: name }), () => layers.activation({ activation: name })]) {
        const e = diagnostic(make);
        expect(e.code).toBe('NNC1005');
        expect(e.detail).toBe(`'${name}'`);
      }
    }
  });

  it('activations and layer class names in tfjs Layers JSON', () => {
    const write = (layer: Record<string, unknown>) => {
      const path = tempPath('model.json');
      writeFileSync(path, JSON.stringify({ modelTopology: { class_name: 'Sequential', config: { name: 's', layers: [layer] } }, weightsManifest: [] }));
      return path;
    };
    for (const name of INHERITED) {
      const act = diagnostic(() => loadTfjsLayersModel(write({ class_name: 'Dense', config: { name: 'd', units: 2, activation: name, batch_input_shape: [null, 3] } })));
      expect(act.code).toBe('NNC1005');
      expect(act.detail).toBe(`'${name}'`);
      expect(act.location.layer).toBe('d');

      const cls = diagnostic(() => loadTfjsLayersModel(write({ class_name: name, config: { name: 'odd', batch_input_shape: [null, 3] } })));
      expect(cls.code).toBe('NNC6001');
      expect(problems(cls).map((p) => [p.detail, p.location.layer])).toEqual([[name, 'odd']]);
    }
  });

  it('ONNX op types', () => {
    const info = (name: string) =>
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } });
    for (const name of INHERITED) {
      const model = onnx.ModelProto.create({
        irVersion: 8,
        opsetImport: [{ domain: '', version: 17 }],
        graph: { name: 'g', node: [onnx.NodeProto.create({ opType: name, input: ['x'], output: ['y'], name: 'odd' })], input: [info('x')], output: [info('y')] },
      });
      const path = tempPath('model.onnx');
      writeFileSync(path, onnx.ModelProto.encode(model).finish());
      const e = diagnostic(() => loadOnnxGraph(path));
      expect(e.code).toBe('NNC6001');
      expect(problems(e).map((p) => [p.detail, p.location.node])).toEqual([[`ONNX op ${name}`, 'odd']]);
    }
  });

  it('tfjs graph ops and fused epilogues', () => {
    const write = (nodes: unknown[]) => {
      const path = tempPath('model.json');
      writeFileSync(path, JSON.stringify({ format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: [] }));
      return path;
    };
    const placeholder = { name: 'x', op: 'Placeholder', input: [], attr: { shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } } };
    for (const name of INHERITED) {
      const e = diagnostic(() => loadTfjsGraphModel(write([placeholder, { name: 'odd', op: name, input: ['x'] }])));
      expect(e.code).toBe('NNC6001');
      expect(problems(e).map((p) => [p.detail, p.location.node])).toEqual([[`TensorFlow op ${name}`, 'odd']]);

      const fused = { name: 'mm', op: '_FusedMatMul', input: ['x', 'x'], attr: { fused_ops: { list: { s: [Buffer.from(name).toString('base64')] } } } };
      const f = diagnostic(() => loadTfjsGraphModel(write([placeholder, fused])));
      expect(f.code).toBe('NNC6001');
      expect(problems(f).map((p) => p.detail)).toEqual([`TensorFlow op _FusedMatMul [${name}]`]);
    }
  });

  it('loss and optimizer names', () => {
    const graph = sequential({ layers: [layers.dense({ units: 2, inputShape: [3] })] }).toGraph();
    for (const name of INHERITED) {
      const loss = diagnostic(() => new Trainer(graph, { optimizer: 'adam', loss: name }));
      expect(loss.code).toBe('NNC5005');
      expect(loss.detail).toBe(`unknown loss '${name}'`);
      const optimizer = diagnostic(() => new Trainer(graph, { optimizer: name, loss: 'meanSquaredError' }));
      expect(optimizer.code).toBe('NNC5005');
      expect(optimizer.detail).toBe(`unknown optimizer '${name}'`);
      const object = diagnostic(() => new Trainer(graph, { optimizer: { name }, loss: { name: 'meanSquaredError' } }));
      expect(object.detail).toBe(`unknown optimizer '${name}'`);
    }
  });

  it('build targets and scalar functions in IR text', async () => {
    for (const name of INHERITED) {
      const err: string[] = [];
      const code = await main(['build', 'model.ts', '--target', name], { out: () => {}, err: (t) => err.push(t), isTTY: false });
      expect(code).toBe(2);
      expect(err.join('\n')).toContain(`NNC4003 invalid command-line usage: nnc build: unknown --target '${name}'`);
    }
    expect(() => parseScalar('constructor($0)')).toThrow(/unknown function constructor/);
  });
});
