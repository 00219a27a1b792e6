import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';

const { onnx } = onnxProto;
const dir = mkdtempSync(join(tmpdir(), 'nnc-graph-summary-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** y = relu(x), x: [N, 4], as an ONNX file. */
function onnxRelu(): string {
  const info = (name: string) =>
    onnx.ValueInfoProto.create({
      name,
      type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } },
    });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 17 }],
    graph: { name: 'g', node: [onnx.NodeProto.create({ opType: 'Relu', input: ['x'], output: ['y'], name: 'y' })], input: [info('x')], output: [info('y')] },
  });
  const path = join(dir, 'relu.onnx');
  writeFileSync(path, onnx.ModelProto.encode(model).finish());
  return path;
}

/** The same model as a tfjs graph model.json (no weights). */
function tfjsGraphRelu(): string {
  const path = join(dir, 'model.json');
  const node = (name: string, op: string, input: string[], attr: Record<string, unknown> = {}) => ({ name, op, input, attr });
  writeFileSync(
    path,
    JSON.stringify({
      format: 'graph-model',
      modelTopology: {
        node: [
          node('x', 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '4' }] } } }),
          node('y', 'Relu', ['x']),
        ],
      },
      weightsManifest: [],
    }),
  );
  return path;
}

describe('nnc summary on a graph model', () => {
  for (const [kind, make] of [
    ['an ONNX model', onnxRelu],
    ['a tfjs graph model', tfjsGraphRelu],
  ] as const)
    it(`says ${kind} has no layers to summarize and points to nnc ir / nnc build`, async () => {
      const path = make();
      const r = await cli('summary', path);
      expect(r.code).toBe(1);
      expect(r.err).toContain(`NNC1009 graph model has no layers (${path}): '${path}' is ${kind}: a graph of ops, with no layers to summarize or train`);
      expect(r.err).toContain('`nnc ir FILE` prints the graph, `nnc build FILE` compiles it.');
      expect(r.err).not.toMatch(/NNC1007|unsupported file type/);
      // The same file is one nnc compiles.
      const ir = await cli('ir', path);
      expect(ir.code).toBe(0);
      expect(ir.out).toContain('relu');
    });
});
