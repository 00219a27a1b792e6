/**
 * model.webgpu.d.ts type-checks against the WebGPU DOM types: predict is async, load takes the
 * app's GPUDevice or a GPU, and NncWebGpuError carries its code; misuse fails to type-check.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { webgpuDts } from '../../src/codegen/wgsl/target.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { optimize } from '../../src/passes/index.js';

const WEBGPU_TYPES = createRequire(import.meta.url).resolve('@webgpu/types/dist/index.d.ts');

/** Type-checks each snippet on its own against the bundle's d.ts; returns each one's errors. */
function typeCheck(dts: string, snippets: Record<string, string>): Record<string, string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'nnc-webgpu-dts-'));
  writeFileSync(join(dir, 'model.webgpu.d.ts'), dts);
  const files = Object.entries(snippets).map(([name, code]) => {
    const file = join(dir, `${name}.ts`);
    const header = `/// <reference path="${WEBGPU_TYPES}" />\nimport { load, NncWebGpuError } from './model.webgpu.js';\nconst model = await load();\n`;
    writeFileSync(file, `${header}${code}\nexport {};\n`);
    return [name, file] as const;
  });
  const program = ts.createProgram(
    files.map(([, f]) => f),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [] },
  );
  return Object.fromEntries(files.map(([name, file]) => [name, ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'))]));
}

describe('model.webgpu.d.ts', () => {
  const dts = webgpuDts(optimize(loadModelFile(FIXTURES.find((f) => f.name === 'seed-sequential')!.path).model.toGraph()));

  it('types the async API, the load options and the error codes', () => {
    const errors = typeCheck(dts, {
      ok: [
        'const probs: Float32Array = await model.predict(new Float32Array(32 * 784), 32);',
        'const device: GPUDevice = model.device;',
        'const again = await load({ device, weights: new Uint8Array(8) });',
        "await load({ gpu: navigator.gpu, powerPreference: 'high-performance' });",
        'await again.dispose();',
        "try { await load(); } catch (e) { if (e instanceof NncWebGpuError && e.code === 'NO_ADAPTER') console.log(e.message); }",
      ].join('\n'),
      notAwaited: 'const probs: Float32Array = model.predict(new Float32Array(784), 1);',
      plainArray: 'await model.predict([1, 2, 3], 1);',
      badDevice: 'await load({ device: 42 });',
      unknownCode: "if (new NncWebGpuError().code === 'NO_GPU') {}",
    });
    expect(errors.ok).toEqual([]);
    for (const [name, messages] of Object.entries(errors)) if (name !== 'ok') expect(messages.length, `${name} should not type-check`).toBeGreaterThan(0);
    expect(errors.unknownCode!.join()).toMatch(/'"NO_GPU"' have no overlap/);
  });
});
