/**
 * ONNX IR versions and opsets outside what nnc implements are refused by name (NNC6004), as is a
 * model without, or with two, default-domain opset imports (NNC6002): an op's meaning changes
 * across opsets, so nnc never guesses one.
 */
import { describe, expect, it } from 'vitest';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { DataType, node, valueInfo, writeOnnxModel } from '../helpers/onnx-model.js';

const relu = (versions: { irVersion?: number; opset?: number; opsetImport?: { domain: string; version: number }[] }) =>
  writeOnnxModel({ nodes: [node('Relu', ['x'], 'y')], inputs: [valueInfo('x', DataType.FLOAT, ['N', 4])], outputs: [valueInfo('y', DataType.FLOAT, ['N', 4])], ...versions });

describe('ONNX versions', () => {
  it('reads IR versions 3 to 11 at opsets 7 to 25', () => {
    for (const [irVersion, opset] of [[3, 7], [8, 17], [11, 25]] as const) expect(loadOnnxGraph(relu({ irVersion, opset })).nodes.some((n) => n.op === 'relu')).toBe(true);
  });

  it.each([
    [{ irVersion: 99 }, /NNC6004 .*is ONNX IR version 99; nnc reads IR versions 3 to 11/],
    [{ irVersion: 2 }, /NNC6004 .*is ONNX IR version 2; nnc reads IR versions 3 to 11/],
    [{ opset: 1 }, /NNC6004 .*uses ONNX opset 1; nnc implements opsets 7 to 25/],
    [{ opset: 99 }, /NNC6004 .*uses ONNX opset 99; nnc implements opsets 7 to 25/],
    [{ opsetImport: [] }, /NNC6002 .*imports no version of the ONNX operator set/],
    [{ opsetImport: [{ domain: 'ai.onnx.ml', version: 3 }] }, /NNC6002 .*imports no version of the ONNX operator set/],
    [{ opsetImport: [{ domain: '', version: 13 }, { domain: 'ai.onnx', version: 17 }] }, /NNC6002 .*imports the ONNX operator set 2 times/],
  ])('refuses %j', (versions, message) => {
    expect(() => loadOnnxGraph(relu(versions))).toThrow(message);
  });

  it('refuses a node of another domain by name', () => {
    const path = writeOnnxModel({
      nodes: [{ ...node('Relu', ['x'], 'y'), domain: 'com.example' } as ReturnType<typeof node>],
      inputs: [valueInfo('x', DataType.FLOAT, ['N', 4])],
      outputs: [valueInfo('y', DataType.FLOAT, ['N', 4])],
    });
    expect(() => loadOnnxGraph(path)).toThrow(/com\.example\.Relu/);
  });
});
