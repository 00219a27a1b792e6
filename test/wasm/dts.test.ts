import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { generateDts } from '../../src/bundle/dts.js';
import { wasmDts } from '../../src/bundle/wasm-target.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import { tensorType } from '../../src/ir/types.js';
import { optimize } from '../../src/passes/index.js';
import { removeTempDirs, tempDir } from './temp.js';

const dtsOf = (fixture: string) => wasmDts(optimize(loadModelFile(FIXTURES.find((f) => f.name === fixture)!.path, { typeCheck: false }).model.toGraph()));

/** Type-checks each snippet against model.d.ts on its own; returns the error messages of each. */
function typeCheck(dts: string, snippets: Record<string, string>): Record<string, string[]> {
  const dir = tempDir('dts');
  writeFileSync(join(dir, 'model.d.ts'), dts);
  const roots = Object.entries(snippets).map(([name, code]) => {
    const file = join(dir, `${name}.ts`);
    writeFileSync(file, `import { load } from './model.js';\nconst model = await load();\n${code}\nexport {};\n`);
    return [name, file] as const;
  });
  const program = ts.createProgram(
    roots.map(([, f]) => f),
    { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, lib: ['lib.es2022.d.ts'], types: [] },
  );
  const result: Record<string, string[]> = {};
  for (const [name, file] of roots)
    result[name] = ts.getPreEmitDiagnostics(program, program.getSourceFile(file)).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  return result;
}

describe('model.d.ts', () => {
  afterAll(removeTempDirs);
  it('types the one-input, one-output seed model; wrong usage fails to type-check', () => {
    const dts = dtsOf('seed-sequential');
    expect(dts).toContain('predict(flatten_input: Float32Array, batch?: number): Float32Array;');
    const errors = typeCheck(dts, {
      ok: [
        'const probs: Float32Array = model.predict(new Float32Array(32 * 784), 32);',
        "const first: 'flatten_input' = model.inputNames[0];",
        "const out: readonly ['dense_1'] = model.outputNames;",
        'const simd: boolean = model.simd;',
        'await load({ simd: false });',
      ].join('\n'),
      plainArray: 'model.predict([1, 2, 3], 1);',
      float64: 'model.predict(new Float64Array(784), 1);',
      batchString: "model.predict(new Float32Array(784), '1');",
      resultIsNotObject: 'const y: Record<string, Float32Array> = model.predict(new Float32Array(784));',
      wrongName: "const n: 'images' = model.inputNames[0];",
      noAwait: 'load().predict(new Float32Array(784));',
      badOption: "load({ threads: 4 });",
    });
    expect(errors.ok).toEqual([]);
    for (const [name, messages] of Object.entries(errors)) if (name !== 'ok') expect(messages.length, `${name} should not type-check`).toBeGreaterThan(0);
  });

  it('keys several inputs and outputs by their model names', () => {
    const errors = typeCheck(dtsOf('two-inputs'), {
      ok: 'const y: Float32Array = model.predict({ image: new Float32Array(12), meta: new Float32Array(5) }, 1);',
      missingInput: 'model.predict({ image: new Float32Array(12) }, 1);',
      single: 'model.predict(new Float32Array(17), 1);',
    });
    expect(errors.ok).toEqual([]);
    expect(errors.missingInput!.join()).toMatch(/meta/);
    expect(errors.single!.length).toBeGreaterThan(0);
    const outputs = typeCheck(dtsOf('two-outputs'), {
      ok: 'const { kind, score } = model.predict(new Float32Array(10), 1); const k: Float32Array = kind; const s: Float32Array = score;',
      unknownOutput: 'model.predict(new Float32Array(10), 1).nope;',
    });
    expect(outputs.ok).toEqual([]);
    expect(outputs.unknownOutput!.join()).toMatch(/nope/);
  });

  it('makes predict async for targets that need it, and quotes names that are not identifiers', () => {
    const b = loadModelFile(FIXTURES[0]!.path, { typeCheck: false }).model.toGraph();
    const dts = generateDts(optimize(b), { asyncPredict: true, backend: 'WebGPU', extraDeclarations: 'export declare class GpuError extends Error {}' });
    expect(dts.endsWith('export declare class GpuError extends Error {}\n')).toBe(true);
    expect(dts).toContain('predict(flatten_input: Float32Array, batch?: number): Promise<Float32Array>;');
    expect(dts).toContain('// Types of the model compiled by nnc for WebGPU.');

    const g = new GraphBuilder();
    const [a, c] = [g.input('image-a', tensorType([null, 2])), g.input('c', tensorType([null, 2]))];
    g.output('out/1', g.op('add', [a, c]));
    g.output('z', g.op('mul', [a, c]));
    const quoted = wasmDts(g.build());
    expect(quoted).toContain('"image-a": Float32Array;');
    expect(quoted).toContain('"out/1": Float32Array;');
    const errors = typeCheck(quoted, { ok: "const y: Float32Array = model.predict({ 'image-a': new Float32Array(2), c: new Float32Array(2) })['out/1'];" });
    expect(errors.ok).toEqual([]);
  });
});
