/**
 * load() of a wasm bundle whose files are missing, truncated, corrupt or replaced: an Error that
 * names the file and the problem (never a raw TypeError from deep inside the loader), the
 * SHA-256 check of `load({ verify: true })`, and TypeErrors for bad options.
 */
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/frontend/loader.js';
import { buildWasmBundle, type BuiltWasmBundle } from './bundle-helpers.js';
import { tempDir } from './temp.js';

interface Loader {
  load(options?: unknown): Promise<{ predict(x: Float32Array): Float32Array }>;
}

let built: BuiltWasmBundle;
let copies = 0;

/** A copy of the bundle with `damage` applied to its files, and its loader. */
async function damaged(damage: (dir: string) => void): Promise<Loader> {
  const dir = join(tempDir('wasm-load'), `copy${copies++}`);
  cpSync(built.dir, dir, { recursive: true });
  damage(dir);
  return (await import(/* @vite-ignore */ pathToFileURL(join(dir, 'model.js')).href)) as Loader;
}

const truncate = (file: string, bytes: number) => (dir: string) => writeFileSync(join(dir, file), readFileSync(join(dir, file)).subarray(0, bytes));
const flipByte = (file: string, at: number) => (dir: string) => {
  const bytes = readFileSync(join(dir, file));
  bytes[at] = bytes[at]! ^ 0xff;
  writeFileSync(join(dir, file), bytes);
};

describe('wasm bundle load()', () => {
  beforeAll(async () => {
    const { model } = loadModelFile('examples/fashion-mnist/model.ts', { typeCheck: false });
    built = await buildWasmBundle(model.toGraph(), { weights: 'external' });
  });

  it('loads and verifies an intact bundle', async () => {
    const { load } = await damaged(() => {});
    const model = await load({ verify: true });
    expect(model.predict(new Float32Array(784)).length).toBe(10);
  });

  it('names a missing, truncated or foreign module', async () => {
    await expect((await damaged((dir) => rmSync(join(dir, 'model.wasm')))).load({ simd: true })).rejects.toThrow(/^cannot read model\.wasm: .*ENOENT/);
    await expect((await damaged(truncate('model.wasm', 1000))).load({ simd: true })).rejects.toThrow(/^model\.wasm is not a valid WebAssembly module \(truncated or corrupt\?\)/);
    // Cut to its 8-byte header, a module is a valid empty one: it lacks what the loader needs.
    await expect((await damaged(truncate('model.wasm', 8))).load({ simd: true })).rejects.toThrow(/^model\.wasm is not this model's module/);
    await expect((await damaged(truncate('model.scalar.wasm', 8))).load({ simd: false })).rejects.toThrow(/^model\.scalar\.wasm is not this model's module/);
  });

  it('names a missing or truncated weights file', async () => {
    await expect((await damaged((dir) => rmSync(join(dir, 'model.weights.bin')))).load()).rejects.toThrow(/^cannot read model\.weights\.bin: .*ENOENT/);
    await expect((await damaged(truncate('model.weights.bin', 100))).load()).rejects.toThrow(/^model\.weights\.bin: expected \d+ bytes, got 100 \(truncated or from another build\?\)/);
  });

  it('with verify, refuses a changed module or weights file by its SHA-256; without, loads it', async () => {
    const manifest = JSON.parse(readFileSync(join(built.dir, 'manifest.json'), 'utf8')) as { files: { path: string; sha256: string }[] };
    const weightsHash = manifest.files.find((f) => f.path === 'model.weights.bin')!.sha256;
    const changedWeights = await damaged(flipByte('model.weights.bin', 100));
    await expect(changedWeights.load({ verify: true })).rejects.toThrow(`model.weights.bin: SHA-256`);
    await expect(changedWeights.load({ verify: true })).rejects.toThrow(`is not the build's ${weightsHash} (manifest.json)`);
    await expect(changedWeights.load()).resolves.toBeDefined();
    // A byte of the data segment: still a valid module, but not the one built.
    const changedModule = await damaged(flipByte('model.wasm', readFileSync(join(built.dir, 'model.wasm')).length - 1));
    await expect(changedModule.load({ simd: true, verify: true })).rejects.toThrow(/^model\.wasm: SHA-256 [0-9a-f]{64} is not the build's/);
  });

  it('refuses bad options with TypeErrors that say what was expected', async () => {
    const { load } = await damaged(() => {});
    await expect(load(null)).rejects.toThrow(new TypeError('load() takes an options object, got null'));
    await expect(load('fast')).rejects.toThrow(new TypeError('load() takes an options object, got String'));
    await expect(load({ simd: 'yes' })).rejects.toThrow(new TypeError('load(): option "simd" must be a boolean, got String'));
    await expect(load({ verfy: true })).rejects.toThrow(new TypeError('load(): unknown option "verfy" (known: simd, relaxed, verify)'));
  });
});
