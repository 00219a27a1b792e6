/**
 * The package as a user gets it: `npm pack`, the tarball installed into a fresh project under the
 * system temp dir (no node_modules of this repository above it), then used there the three ways
 * the README shows — the `nnc` command, `import 'nnc'` from an .mjs file, and from a .ts file that
 * tsc type-checks against the shipped declarations — and the bundle built there loaded and run.
 * npm takes the dependencies from its cache when it can (`npm ci` filled it).
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

const ROOT = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  license: string;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const sh = (cmd: string, args: string[], cwd: string, timeout = 240_000) =>
  run(cmd, args, { cwd, timeout, maxBuffer: 32 << 20, env: { ...process.env, npm_config_update_notifier: 'false' } });

let project = '';
let tarball = '';

beforeAll(async () => {
  const packDir = tempDir('pack');
  // lib/ is built by `npm test` before vitest runs; --ignore-scripts keeps pack from building again.
  const { stdout } = await sh('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', packDir], ROOT);
  tarball = join(packDir, (JSON.parse(stdout) as { filename: string }[])[0]!.filename);
  project = tempDir('user-project');
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'user-project', private: true, type: 'module' }));
  await sh('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', tarball, `typescript@${pkg.devDependencies.typescript}`], project);
}, 300_000);

afterAll(removeTempDirs);

describe('the packed package', () => {
  it('carries compiled JavaScript, declarations and the license, and no sources or tests', async () => {
    const { stdout } = await sh('tar', ['-tzf', tarball], ROOT);
    const files = stdout.split('\n').filter(Boolean);
    expect(files).toContain('package/lib/cli/main.js');
    expect(files).toContain('package/lib/index.d.ts');
    expect(files).toContain('package/bin/nnc.js');
    expect(files).toContain('package/LICENSE');
    expect(files.filter((f) => /^package\/(src|test|bench|fixtures)\//.test(f))).toEqual([]);
  });

  it('declares a license that the LICENSE file holds, and only runtime dependencies', () => {
    expect(pkg.license).toBe('Apache-2.0');
    const license = readFileSync(join(ROOT, 'LICENSE'), 'utf8');
    expect(license).toContain('Apache License');
    expect(license).toContain('Version 2.0, January 2004');
    // Test oracles and tools are devDependencies: a user's install never pulls them in.
    for (const dev of ['@tensorflow/tfjs', '@tensorflow/tfjs-converter', 'onnxruntime-web', 'onnxruntime-node', 'tsx', 'vitest', 'typescript'])
      expect(Object.keys(pkg.dependencies)).not.toContain(dev);
    expect(existsSync(join(project, 'node_modules/@tensorflow'))).toBe(false);
    expect(existsSync(join(project, 'node_modules/tsx'))).toBe(false);
  });

  it('runs `npx nnc build` on a copy of the example model and the bundle it writes loads and predicts', async () => {
    copyFileSync(join(ROOT, 'examples/fashion-mnist/model.ts'), join(project, 'model.ts'));
    const { stdout } = await sh('npx', ['nnc', 'build', 'model.ts', '--no-train', '-o', 'out'], project);
    expect(stdout).toContain('model.wasm');
    writeFileSync(
      join(project, 'use-bundle.mjs'),
      `import { load } from './out/model.js';
const model = await load();
const probs = model.predict(new Float32Array(2 * 28 * 28).fill(0.5), 2);
console.log(JSON.stringify({ length: probs.length, sum: probs.slice(0, 10).reduce((a, b) => a + b, 0) }));`,
    );
    const result = JSON.parse((await sh(process.execPath, ['use-bundle.mjs'], project)).stdout) as { length: number; sum: number };
    expect(result.length).toBe(20);
    expect(result.sum).toBeCloseTo(1, 5);
  });

  it('is importable from plain JavaScript (.mjs)', async () => {
    writeFileSync(
      join(project, 'plain.mjs'),
      `import { layers, sequential } from 'nnc';
const m = sequential({ layers: [layers.dense({ inputShape: [4], units: 3, activation: 'softmax' })] });
console.log(m.summary(null).includes('Total params: 15'));`,
    );
    expect((await sh(process.execPath, ['plain.mjs'], project)).stdout.trim()).toBe('true');
  });

  it('type-checks a .ts file against the shipped declarations, and reports a misuse', async () => {
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: false, types: [] } }),
    );
    writeFileSync(
      join(project, 'typed.ts'),
      `import { layers, sequential, NncError } from 'nnc';
const m = sequential({ layers: [layers.dense({ inputShape: [4], units: 3 })] });
const s: string = m.summary(null);
export const ok: boolean = s.length > 0 && NncError.name === 'NncError';`,
    );
    const tsc = join(project, 'node_modules/typescript/bin/tsc');
    await sh(process.execPath, [tsc, '-p', '.'], project);
    writeFileSync(join(project, 'typed.ts'), `import { layers } from 'nnc';\nexport const d = layers.dense({ unit: 3 });\n`);
    const failed = await sh(process.execPath, [tsc, '-p', '.'], project).catch((e: { stdout: string }) => e);
    expect((failed as { stdout: string }).stdout).toMatch(/typed\.ts\(2,.*'unit' does not exist/);
  });
});
