/**
 * `--freeze NAME=VALUES` (inline, .npy, .pb, .json) and `--shape NAME=DIMS` on `nnc ir` / `nnc build`
 * of ONNX models: a shape-determining graph input becomes a constant, a symbolic axis a size.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { readFrozenValue } from '../../src/frontend/import/frozen-values.js';
import { DataType, node, valueInfo, writeOnnxModel } from '../helpers/onnx-model.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

const { onnx } = onnxProto;
afterAll(removeTempDirs);

/** Reshape(x [N, 6], s) with the target shape a graph input. */
const reshapeModel = () =>
  writeOnnxModel({
    nodes: [node('Reshape', ['x', 's'], 'y')],
    inputs: [valueInfo('x', DataType.FLOAT, ['N', 6]), valueInfo('s', DataType.INT64, [3])],
    outputs: [valueInfo('y', DataType.FLOAT)],
  });

/** An int64 .npy file (format 1.0) holding `values` of shape `dims`. */
function npy(values: number[], dims: number[]): string {
  let header = `{'descr': '<i8', 'fortran_order': False, 'shape': (${dims.join(', ')}${dims.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(64 - ((10 + header.length + 1) % 64)) + '\n';
  const head = Buffer.concat([Buffer.from('\x93NUMPY\x01\x00', 'latin1'), Buffer.from(Uint16Array.of(header.length).buffer), Buffer.from(header, 'latin1')]);
  const path = join(tempDir('npy'), 'v.npy');
  writeFileSync(path, Buffer.concat([head, Buffer.from(BigInt64Array.from(values, BigInt).buffer)]));
  return path;
}

describe('--freeze and --shape', () => {
  it('without --freeze, a Reshape target that is a graph input is refused, naming it and the flag', async () => {
    const r = await cli('ir', reshapeModel());
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/the target shape \('s'\) must be known when the model is built: it is a graph input, so give its value with --freeze s=VALUES/);
  });

  it('--freeze with inline values, a .npy, a .pb TensorProto and a .json file make the same reshape', async () => {
    const dir = tempDir('frozen');
    const pb = join(dir, 's.pb');
    writeFileSync(pb, onnx.TensorProto.encode(onnx.TensorProto.create({ dims: [3], dataType: DataType.INT64, int64Data: [0, 3, 2] })).finish());
    const json = join(dir, 's.json');
    writeFileSync(json, '[0, 3, 2]');
    const model = reshapeModel();
    for (const value of ['0,3,2', npy([0, 3, 2], [3]), pb, json]) {
      const r = await cli('ir', model, '--freeze', `s=${value}`);
      expect(r.err, value).toBe('');
      expect(r.out, value).toMatch(/reshape %x \{shape=\[3,2\]\} : f32\[\?,3,2\]/);
    }
  });

  it('--shape sizes a symbolic second axis ("?" keeps the batch), and nnc build compiles the model', async () => {
    const model = writeOnnxModel({ nodes: [node('Flatten', ['x'], 'y')], inputs: [valueInfo('x', DataType.FLOAT, ['N', 'T', 2])], outputs: [valueInfo('y', DataType.FLOAT)] });
    expect((await cli('ir', model)).err).toMatch(/--shape x=\?,SIZE,2/);
    const r = await cli('ir', model, '--shape', 'x=?,3,2');
    expect(r.out).toMatch(/%x = input : f32\[\?,3,2\]/);
    expect((await cli('build', model, '--shape', 'x=?,3,2', '-o', join(tempDir('build'), 'out'))).code).toBe(0);
  });

  it('malformed flags are usage errors (NNC4003) naming the flag', async () => {
    expect((await cli('ir', reshapeModel(), '--freeze', 's')).err).toMatch(/NNC4003.*--freeze takes NAME=VALUES, got 's'/);
    expect((await cli('ir', reshapeModel(), '--freeze', 's=1,x')).err).toMatch(/NNC4003.*numbers separated by commas/);
    expect((await cli('ir', reshapeModel(), '--shape', 'x=2,?')).err).toMatch(/NNC4003.*'\?' only first/);
    expect((await cli('ir', reshapeModel(), '--freeze', 'q=1,2,3')).err).toMatch(/--freeze names 'q', which is not an input/);
    expect((await cli('ir', reshapeModel(), '--freeze', 's=1,2')).err).toMatch(/--freeze s gives 2 values for dims \[3\]/);
  });

  it('a nested JSON array gives its dims; an object gives dims and values', () => {
    const dir = tempDir('json');
    writeFileSync(join(dir, 'a.json'), '[[1, 2, 3], [4, 5, 6]]');
    writeFileSync(join(dir, 'b.json'), '{"dims": [3, 1], "values": [7, 8, 9]}');
    expect(readFrozenValue(join(dir, 'a.json'))).toEqual({ dims: [2, 3], values: [1, 2, 3, 4, 5, 6] });
    expect(readFrozenValue(join(dir, 'b.json'))).toEqual({ dims: [3, 1], values: [7, 8, 9] });
    expect(readFrozenValue(npy([5, -6], [2, 1]))).toEqual({ dims: [2, 1], values: [5, -6] });
  });
});
