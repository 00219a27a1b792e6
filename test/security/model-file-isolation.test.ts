/**
 * A model file is author code that runs inside nnc. Through the real `nnc` process (bin/nnc.js,
 * whose commands run in a worker with a heap limit): an endless loop stops at --time-limit,
 * process.exit, running out of memory, a rejected promise and a patched built-in each end the
 * command with their own diagnostic and exit code 1, never a hang, a silent exit 0 or a stack
 * trace. In-process, loadModelFile applies the same time limit and puts patched built-ins back.
 */
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/frontend/loader.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

const BIN = resolve(import.meta.dirname, '../../bin/nnc.js');
const MODEL = "module.exports = { default: sequential({ layers: [layers.dense({ inputShape: [4], units: 2 })] }) };";

/** A .js model file (not type-checked, so it may use Node's globals) whose top level runs `body`. */
function modelFile(dir: string, name: string, body: string): string {
  const file = join(dir, `${name}.js`);
  writeFileSync(file, `const { sequential, layers } = require('nnc');\n${body}\n${MODEL}\n`);
  return file;
}

async function nnc(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('model files run isolated', () => {
  afterAll(removeTempDirs);
  const dir = tempDir('isolation');

  it.each([
    ['an endless loop', 'while (true) {}', 'NNC1020', 'was still running after 2 s'],
    ['process.exit(0)', 'process.exit(0);', 'NNC1022', 'stopped with exit code 0'],
    ['a rejected promise', "void Promise.reject(new Error('rejected by the model file'));", 'NNC1024', 'rejected by the model file'],
    ['a patched built-in', 'Array.prototype.map = function () { return []; };', 'NNC1021', 'replaced Array.prototype.map'],
    ['a throw from a timer', "setTimeout(() => { throw new Error('thrown later'); }, 0);", 'NNC1024', 'thrown later'],
  ])('%s ends the command with a diagnostic', async (_what, body, code, detail) => {
    const started = Date.now();
    // The loop's limit is short; the others' is long enough for a loaded machine.
    const limit = code === 'NNC1020' ? '2' : '20';
    const run = await nnc('summary', modelFile(dir, `${code}-${body.length}`, body), '--time-limit', limit);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(code);
    expect(run.stderr).toContain(detail);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(Date.now() - started).toBeLessThan(45_000);
  });

  it('running out of memory is a diagnostic naming the limit', async () => {
    const run = await nnc('summary', modelFile(dir, 'oom', 'const keep = []; for (;;) keep.push(new Array(1e5).fill(1));'), '--memory-limit', '150');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('NNC1023');
    expect(run.stderr).toContain('more than 150 MB');
  });

  it('a well-behaved file still works through the worker, and bad limits are usage errors', async () => {
    const ok = await nnc('summary', modelFile(dir, 'ok', ''), '--time-limit', '5', '--memory-limit', '1024');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('Total params: 10');
    const bad = await nnc('summary', modelFile(dir, 'ok2', ''), '--time-limit', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--time-limit must be a positive number');
  });

  it('in-process, the time limit holds and a patched built-in is put back', () => {
    expect(catchNnc(() => loadModelFile(modelFile(dir, 'loop-in-process', 'for (;;) {}'), { timeLimitSeconds: 0.5 })).code).toBe('NNC1020');
    const map = Array.prototype.map;
    expect(catchNnc(() => loadModelFile(modelFile(dir, 'patch-in-process', 'Array.prototype.map = () => [];'))).code).toBe('NNC1021');
    expect(Array.prototype.map).toBe(map);
  });
});
