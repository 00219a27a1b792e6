/**
 * The check cache of model files: an unchanged file (and unchanged imports) runs its recorded
 * JavaScript without loading the TypeScript compiler; any edit, to the file or to a file it
 * imports, is checked in full again.
 */
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/frontend/loader.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

const ROOT = resolve(import.meta.dirname, '../..');
let cacheDir = '';
let dir = '';
const saved = process.env.NNC_CACHE_DIR;

const HELPER = `export const hidden = 16;\n`;
const MODEL = `import { layers, sequential } from 'nnc';
import { hidden } from './helper.ts';

export default sequential({ layers: [layers.dense({ inputShape: [4], units: hidden }), layers.dense({ units: 2 })] });
`;

beforeAll(() => {
  cacheDir = tempDir('check-cache');
  dir = tempDir('cached-model');
  process.env.NNC_CACHE_DIR = cacheDir;
});

afterAll(() => {
  if (saved === undefined) delete process.env.NNC_CACHE_DIR;
  else process.env.NNC_CACHE_DIR = saved;
  removeTempDirs();
});

const entries = () => readdirSync(join(cacheDir, 'model-files'));

describe('the check cache of model files', () => {
  it('records a file that passed its checks and gives the same model from the record', () => {
    writeFileSync(join(dir, 'helper.ts'), HELPER);
    writeFileSync(join(dir, 'model.ts'), MODEL);
    const first = loadModelFile(join(dir, 'model.ts')).model.summary(null);
    expect(entries()).toHaveLength(1);
    const second = loadModelFile(join(dir, 'model.ts')).model.summary(null);
    expect(second).toBe(first);
    expect(first).toContain('Total params: 114');
    expect(entries()).toHaveLength(1);
  });

  it('checks an imported file again when it changed', () => {
    writeFileSync(join(dir, 'helper.ts'), `export const hidden: number = 'sixteen';\n`);
    const e = catchNnc(() => loadModelFile(join(dir, 'model.ts')));
    expect(e.code).toBe('NNC1001');
    expect(e.message).toContain("Type 'string' is not assignable to type 'number'");
    writeFileSync(join(dir, 'helper.ts'), HELPER);
  });

  it('checks the model file again when it changed, and records nothing that failed', () => {
    writeFileSync(join(dir, 'model.ts'), MODEL.replace('layers.dense({ units: 2 })', 'layers.conv3d({ filters: 2 })'));
    const before = entries().length;
    expect(catchNnc(() => loadModelFile(join(dir, 'model.ts'))).code).toBe('NNC1008');
    expect(entries()).toHaveLength(before);
    writeFileSync(join(dir, 'model.ts'), MODEL);
  });

  it('spares the nnc command the TypeScript compiler on an unchanged file, unless NNC_NO_CACHE=1', async () => {
    const probe = join(dir, 'probe.cjs');
    // At exit: did this process load ts-morph (the TypeScript compiler)?
    writeFileSync(probe, `process.on('exit', () => process.stderr.write('ts-morph loaded: ' + Object.keys(require('node:module')._cache).some((k) => /ts-morph.*\\.js$/.test(k)) + '\\n'));\n`);
    const model = join(dir, 'fresh.ts');
    writeFileSync(model, MODEL);
    const summary = (env: Record<string, string> = {}) =>
      promisify(execFile)(process.execPath, ['--require', probe, join(ROOT, 'bin/nnc.js'), 'summary', model], {
        env: { ...process.env, NNC_CACHE_DIR: cacheDir, ...env },
      });
    const cold = await summary();
    expect(cold.stderr).toContain('ts-morph loaded: true');
    const warm = await summary();
    expect(warm.stderr).toContain('ts-morph loaded: false');
    expect(warm.stdout).toBe(cold.stdout);
    expect((await summary({ NNC_NO_CACHE: '1' })).stderr).toContain('ts-morph loaded: true');
  });
});
