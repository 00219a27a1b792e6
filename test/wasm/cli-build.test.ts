import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import type { BundleFile } from '../../src/bundle/target.js';
import { writeBundle } from '../../src/bundle/writer.js';
import { cli } from '../helpers/cli.js';
import { NncError } from '../../src/errors.js';
import { removeTempDirs, tempDir } from './temp.js';

const SEED = FIXTURES.find((f) => f.name === 'seed-sequential')!.path;

const cliDir = () => tempDir('cli');

afterAll(removeTempDirs);

describe('nnc build', () => {
  it('writes the bundle and prints each file, its size and a usage snippet', async () => {
    const out = join(cliDir(), 'fashion');
    const r = await cli('build', SEED, '--no-train', '-o', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['manifest.json', 'model.d.ts', 'model.js', 'model.relaxed.wasm', 'model.scalar.wasm', 'model.wasm']);
    expect(r.out).toMatch(/model\.wasm\s+\d+\.\d KiB/);
    expect(r.out).toMatch(/model\.js\s+\d+\.\d KiB/);
    expect(r.out).toContain("import { load } from '");
    expect(r.out).toContain('const model = await load();');
    expect(r.out).toContain('model.predict(input, batch); // Float32Array of batch × 10');
  });

  it('--target all writes one subdirectory per target; --single-file and --weights external combine', async () => {
    const out = join(cliDir(), 'all');
    expect((await cli('build', SEED, '--no-train', '--target', 'all', '--single-file', '--weights', 'external', '-o', out)).code).toBe(0);
    expect(readdirSync(join(out, 'wasm')).sort()).toEqual(['manifest.json', 'model.d.ts', 'model.js', 'model.weights.bin']);
  });

  it('--emit ir prints the optimized IR and --emit wat the module text', async () => {
    const ir = await cli('build', SEED, '--no-train', '--emit', 'ir', '-o', join(cliDir(), 'a'));
    expect(ir.out).toContain('= dense %flatten_input, %dense/kernel, %dense/bias {activation="relu"} : f32[?,128]');
    const wat = await cli('build', SEED, '--no-train', '--emit', 'wat', '-o', join(cliDir(), 'b'));
    expect(wat.out).toMatch(/^\(module/);
    expect(wat.out).toContain('(export "run"');
    expect(wat.out).toContain('f32x4.mul');
  });

  it('reports bad options as usage errors (exit 2) without writing anything', async () => {
    const parent = cliDir();
    for (const [flag, value, message] of [
      ['--target', 'nope', /unknown --target 'nope'; choose wasm, .*all/],
      ['--weights', 'inside', /--weights must be embedded or external/],
      ['--emit', 'asm', /--emit must be ir or wat/],
      ['--seed', 'x', /--seed must be an integer/],
    ] as const) {
      const r = await cli('build', SEED, flag, value, '-o', join(parent, 'out'));
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/NNC4003/);
      expect(r.err).toMatch(message);
    }
    expect(readdirSync(parent)).toEqual([]);
  });
});

describe('bundle writer', () => {
  const files = (text: string): BundleFile[] => [
    { path: 'model.js', contents: text },
    { path: 'sub/data.bin', contents: new Uint8Array([1, 2, 3]) },
  ];

  it('replaces an existing bundle directory and leaves no temporary directories', async () => {
    const parent = cliDir();
    const out = join(parent, 'bundle');
    await writeBundle(out, files('first'));
    mkdirSync(join(out, 'stale'));
    // These test files carry no nnc manifest: replacing them takes force, as `nnc build --force`.
    await writeBundle(out, files('second'), { force: true });
    expect(readFileSync(join(out, 'model.js'), 'utf8')).toBe('second');
    expect(existsSync(join(out, 'stale'))).toBe(false);
    expect([...readFileSync(join(out, 'sub/data.bin'))]).toEqual([1, 2, 3]);
    expect(readdirSync(parent)).toEqual(['bundle']);
  });

  it('on failure keeps the previous bundle untouched and reports NNC4002', async () => {
    const parent = cliDir();
    const out = join(parent, 'bundle');
    await writeBundle(out, files('good'));
    const broken = [...files('half'), { path: 'bad', contents: 42 as unknown as string }];
    await expect(writeBundle(out, broken, { force: true })).rejects.toSatisfy((e: unknown) => e instanceof NncError && e.code === 'NNC4002');
    expect(readFileSync(join(out, 'model.js'), 'utf8')).toBe('good');
    expect(readdirSync(parent)).toEqual(['bundle']);
  });

  it('cannot write below a file: NNC4002, nothing created', async () => {
    const parent = cliDir();
    writeFileSync(join(parent, 'file'), '');
    await expect(writeBundle(join(parent, 'file', 'bundle'), files('x'))).rejects.toThrow(/NNC4002/);
    expect(readdirSync(parent)).toEqual(['file']);
  });
});
