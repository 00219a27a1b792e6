import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import type { CliIO, Command, CommandEntry } from '../../src/cli/command.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { input, layers, model } from '../../src/index.js';

const errorFixture = (name: string) => resolve(import.meta.dirname, '../../fixtures/errors', `${name}.ts`);


/** Runs the CLI in-process, capturing what it prints. */
async function runCli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  return runCliWith(undefined, ...argv);
}

async function runCliWith(commands: readonly CommandEntry[] | undefined, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n'), isTTY: false };
  const code = await main(argv, io, commands);
  return { code, out, err };
}

describe('model file errors', () => {
  it('reports type errors as path:line:col before running anything', () => {
    const e = catchNnc(() => loadModelFile(errorFixture('type-error')));
    expect(e.code).toBe('NNC1001');
    expect(e.location).toMatchObject({ line: 6, column: 20 });
    expect(e.message).toMatch(/type-error\.ts:6:20 TS2561: .*'unit' does not exist in type 'DenseArgs'. Did you mean to write 'units'\?/);
  });

  it('reports a file with no default-exported model', () => {
    const e = catchNnc(() => loadModelFile(errorFixture('no-model')));
    expect(e.code).toBe('NNC1002');
    expect(e.message).toContain('has no default export');
    expect(e.hint).toContain('export default model');
  });

  it('reports mismatched shapes with the layer name and the model file line', () => {
    const e = catchNnc(() => loadModelFile(errorFixture('shape-mismatch')));
    expect(e.code).toBe('NNC2003');
    expect(e.location).toMatchObject({ layer: 'add', line: 6 });
    expect(e.message).toContain('(None, 128) and (None, 64)');
  });

  it('reports an unknown activation with the valid names', () => {
    const e = catchNnc(() => loadModelFile(errorFixture('unknown-activation')));
    expect(e.code).toBe('NNC1005');
    expect(e.location).toMatchObject({ layer: 'dense', line: 4 });
    expect(e.message).toContain("'relu7'");
    expect(e.hint).toContain('leakyRelu');
  });

  it('reports an input that reaches no output', () => {
    const e = catchNnc(() => loadModelFile(errorFixture('unused-input')));
    expect(e.code).toBe('NNC2002');
    expect(e.location).toMatchObject({ layer: 'unused', line: 6 });
  });

  it('reports a layer applied in two models to different input shapes', () => {
    const e = catchNnc(() => loadModelFile(errorFixture('layer-reuse-shape')));
    expect(e.code).toBe('NNC2004');
    expect(e.location.layer).toBe('shared_dense');
    expect(e.message).toContain('built for input shape (None, 4) and is now applied to (None, 6)');
  });

  it('wraps an exception thrown by user code with its location', () => {
    const e = catchNnc(() => loadModelFile(errorFixture('throws')));
    expect(e.code).toBe('NNC1003');
    expect(e.location.line).toBe(4);
    expect(e.message).toContain('could not read the layer widths');
  });

  it('reports a missing file, a directory and an unsupported extension', () => {
    expect(catchNnc(() => loadModelFile('does/not/exist.ts')).code).toBe('NNC1004');
    const dir = catchNnc(() => loadModelFile(resolve(import.meta.dirname, '../../fixtures/models')));
    expect(dir.code).toBe('NNC1004');
    expect(dir.message).toContain('is not a file');
    expect(catchNnc(() => loadModelFile(resolve(import.meta.dirname, '../../package.json'))).code).toBe('NNC1007');
  });

  it('rejects a model output that does not come from its inputs', () => {
    const a = input({ shape: [3] });
    const b = input({ shape: [3] });
    const y = layers.dense({ units: 2 }).apply(b);
    const e = catchNnc(() => model({ inputs: a, outputs: y }));
    expect(['NNC2005', 'NNC2002']).toContain(e.code);
  });
});

describe('CLI', () => {
  it('exits non-zero with the diagnostic and no stack trace', async () => {
    const r = await runCli('summary', errorFixture('shape-mismatch'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^error NNC2003 shape mismatch \(.*shape-mismatch\.ts:6:\d+, layer 'add'\)/);
    expect(r.err).toContain('hint:');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('turns an unexpected exception into NNC9001 with exit code 70, without a stack trace', async () => {
    const broken: Command = { name: 'broken', help: '', run: () => { throw new TypeError('x.y is undefined'); } };
    const r = await runCliWith([{ name: 'broken', summary: '', load: async () => broken }], 'broken');
    expect(r.code).toBe(70);
    expect(r.err).toMatch(/^error NNC9001 internal compiler error: x\.y is undefined/);
    expect(r.err).toContain('Please report it');
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it('reports usage mistakes with exit code 2', async () => {
    expect((await runCli('summary')).code).toBe(2);
    expect((await runCli('frobnicate')).code).toBe(2);
    expect((await runCli('ir', 'a.ts', '--no-such-flag')).err).toContain('NNC4003');
  });

  it('runs as a real process: bin/nnc.js prints the summary and fails cleanly', async () => {
    const bin = resolve(import.meta.dirname, '../../bin/nnc.js');
    const ok = await promisify(execFile)(process.execPath, [bin, 'summary', resolve(import.meta.dirname, '../../examples/fashion-mnist/model.ts')]);
    expect(ok.stdout).toContain('Total params: 101770 (397.54 KB)');
    const bad = await promisify(execFile)(process.execPath, [bin, 'ir', errorFixture('type-error')]).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(1);
    expect((bad as { stderr: string }).stderr).toContain('NNC1001');
  });
});
