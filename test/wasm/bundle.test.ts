import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIXTURES } from '../../fixtures/index.js';
import { RELAXED_SIMD_PROBE, SIMD_PROBE } from '../../src/codegen/wasm/feature-probes.js';
import { relaxedSimdAvailable } from '../../src/train/relaxed-simd.js';
import { loadModelFile } from '../../src/frontend/loader.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensorType } from '../../src/ir/types.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { removeTempDirs, tempDir } from './temp.js';
import { buildWasmBundle, predictArgument, type BuiltWasmBundle, type WasmModel } from './bundle-helpers.js';

const fixtureGraph = (name: string) => loadModelFile(FIXTURES.find((f) => f.name === name)!.path, { typeCheck: false }).model.toGraph();
const files = (dir: string) => readdirSync(dir).sort();

describe('wasm bundle', () => {
  let seed: Graph;
  let bundle: BuiltWasmBundle;
  let model: WasmModel;
  beforeAll(async () => {
    seed = fixtureGraph('seed-sequential');
    bundle = await buildWasmBundle(seed);
    model = await (await bundle.import()).load({ relaxed: false });
  });
  afterAll(removeTempDirs);

  it('writes model.js, the three modules, model.d.ts and a manifest with sizes and hashes', () => {
    expect(files(bundle.dir)).toEqual(['manifest.json', 'model.d.ts', 'model.js', 'model.relaxed.wasm', 'model.scalar.wasm', 'model.wasm']);
    const manifest = JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8'));
    expect(manifest.compiler).toEqual({ name: 'nnc', version: JSON.parse(readFileSync('package.json', 'utf8')).version });
    expect(manifest.inputs).toEqual([{ name: 'flatten_input', dtype: 'float32', shape: [null, 28, 28], valuesPerRow: 784 }]);
    expect(manifest.outputs).toEqual([{ name: 'dense_1', dtype: 'float32', shape: [null, 10], valuesPerRow: 10 }]);
    expect(manifest.ops).toEqual({ dense: 2 });
    expect(manifest.parameters).toBe(101770);
    for (const f of manifest.files) {
      const bytes = readFileSync(join(bundle.dir, f.path));
      expect(f.bytes).toBe(bytes.byteLength);
      expect(f.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    }
    expect(manifest.files.map((f: { path: string }) => f.path).sort()).toEqual(['model.d.ts', 'model.js', 'model.relaxed.wasm', 'model.scalar.wasm', 'model.wasm']);
    expect(manifest.wasm.maxRowsPerRun).toBeGreaterThan(0);
    expect(manifest.wasm.memoryBytes % 65536).toBe(0);
    expect(manifest.wasm.rowLocal).toBe(true);
    expect(manifest.wasm.note).toContain(`chunks of ${manifest.wasm.maxRowsPerRun}`);
    expect(readFileSync(join(bundle.dir, 'model.js'), 'utf8')).not.toContain('ONE_PIECE');
  });

  it('imports nothing statically and reaches for node:fs only as a fallback', () => {
    const js = readFileSync(join(bundle.dir, 'model.js'), 'utf8');
    expect(js).not.toMatch(/^\s*import\s/m);
    expect(js.match(/import\(/g)).toHaveLength(1);
    expect(js).toContain("new URL('./model.wasm', import.meta.url)");
    expect(js).toContain("new URL('./model.scalar.wasm', import.meta.url)");
    expect(js).toContain("new URL('./model.relaxed.wasm', import.meta.url)");
  });

  it('runs from a copied folder with plain node and no node_modules anywhere near it', async () => {
    const dir = tempDir('copied');
    cpSync(bundle.dir, join(dir, 'fashion'), { recursive: true });
    const { flat } = randomInputs(seed, 3, 11);
    writeFileSync(join(dir, 'input.bin'), flat.flatten_input!);
    writeFileSync(
      join(dir, 'main.mjs'),
      [
        "import { readFileSync } from 'node:fs';",
        "import { load } from './fashion/model.js';",
        'const model = await load();',
        "const x = new Float32Array(readFileSync(new URL('./input.bin', import.meta.url)).buffer.slice(0));",
        'console.log(JSON.stringify({ simd: model.simd, relaxed: model.relaxed, y: Array.from(model.predict(x, 3)) }));',
      ].join('\n'),
    );
    const out = JSON.parse(execFileSync(process.execPath, [join(dir, 'main.mjs')], { cwd: dir, env: { PATH: process.env.PATH ?? '' }, encoding: 'utf8' }));
    expect(out.simd).toBe(true);
    const same = await (await bundle.import()).load({ relaxed: out.relaxed });
    expect(maxAbsDiff(out.y, same.predict(flat.flatten_input!, 3) as Float32Array)).toBe(0);
  });

  it('picks the scalar build where WebAssembly.validate rejects the SIMD probe', async () => {
    expect(WebAssembly.validate(new Uint8Array(SIMD_PROBE))).toBe(true);
    expect(SIMD_PROBE).toContain(0xfd); // the SIMD opcode prefix
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => !Buffer.from(bytes as Uint8Array).equals(Buffer.from(SIMD_PROBE)) && validate(bytes);
    try {
      const fallback = await (await bundle.import()).load();
      expect(fallback.simd).toBe(false);
      const { flat } = randomInputs(seed, 4, 8);
      expect(maxAbsDiff(fallback.predict(flat.flatten_input!, 4) as Float32Array, model.predict(flat.flatten_input!, 4) as Float32Array)).toBeLessThanOrEqual(1e-6);
    } finally {
      WebAssembly.validate = validate;
    }
  });

  it('picks the relaxed-SIMD build where the engine validates relaxed SIMD, unless told not to; its fused multiply-adds change only last bits', async () => {
    expect(relaxedSimdAvailable()).toBe(true); // Node 20 needs V8's flag, which this sets
    expect(WebAssembly.validate(new Uint8Array(RELAXED_SIMD_PROBE))).toBe(true);
    const { load } = await bundle.import();
    const [fast, plain] = [await load(), await load({ relaxed: false })];
    expect([fast.simd, fast.relaxed, plain.simd, plain.relaxed]).toEqual([true, true, true, false]);
    const { flat } = randomInputs(seed, 6, 9);
    expect(maxAbsDiff(fast.predict(flat.flatten_input!, 6) as Float32Array, plain.predict(flat.flatten_input!, 6) as Float32Array)).toBeLessThanOrEqual(1e-6);
    const validate = WebAssembly.validate;
    WebAssembly.validate = (bytes) => !Buffer.from(bytes as Uint8Array).equals(Buffer.from(RELAXED_SIMD_PROBE)) && validate(bytes);
    try {
      expect((await load()).relaxed).toBe(false);
      expect((await load()).simd).toBe(true);
      await expect(load({ relaxed: true })).rejects.toThrow(/this engine does not run WebAssembly relaxed SIMD/);
    } finally {
      WebAssembly.validate = validate;
    }
    await expect(load({ simd: false, relaxed: true })).rejects.toThrow(/relaxed: true needs the SIMD build/);
    expect((await load({ simd: false })).relaxed).toBe(false);
  });

  it('infers the batch from the input length and returns a fresh array each call', () => {
    const { flat } = randomInputs(seed, 5, 3);
    const a = model.predict(flat.flatten_input!) as Float32Array;
    const b = model.predict(flat.flatten_input!, 5) as Float32Array;
    expect(a.length).toBe(50);
    expect(a).not.toBe(b);
    expect(Array.from(a)).toEqual(Array.from(b));
  });

  it('rejects wrong types, lengths and batch sizes with errors that say what was expected', () => {
    const x = new Float32Array(784 * 2);
    const predict = (...args: unknown[]) => () => (model.predict as (...a: unknown[]) => unknown)(...args);
    expect(predict(Array.from(x), 2)).toThrow(new TypeError('input "flatten_input" must be a Float32Array, got Array'));
    expect(predict(new Float64Array(784), 1)).toThrow(TypeError);
    expect(predict(x, 3)).toThrow(new RangeError('input "flatten_input" must hold 3 × 784 = 2352 values, got 1568'));
    for (const batch of [0, -2, 1.5, NaN, Infinity]) expect(predict(x, batch)).toThrow(RangeError);
    expect(predict(x, '2')).toThrow(new TypeError('batch must be a number, got String'));
    expect(predict(new Float32Array(785))).toThrow(/holds 785 values, not a whole number of rows of 784/);
    expect(predict(new Float32Array(0))).toThrow(RangeError);
  });

  it('takes and returns objects keyed by name for several inputs or outputs', async () => {
    const twoInputs = fixtureGraph('two-inputs');
    const m = await (await (await buildWasmBundle(twoInputs)).import()).load();
    const { flat, tensors } = randomInputs(twoInputs, 4, 5);
    const y = m.predict(flat, 4);
    expect(y).toBeInstanceOf(Float32Array);
    expect(maxAbsDiff(y as Float32Array, interpret(twoInputs, tensors).scores!.data)).toBeLessThanOrEqual(1e-5);
    expect(() => m.predict(flat.image!, 4)).toThrow(new TypeError('predict expects an object with image, meta, got Float32Array'));
    expect(() => m.predict({ image: flat.image! }, 4)).toThrow(new TypeError('input "meta" must be a Float32Array, got undefined'));

    const twoOutputs = fixtureGraph('two-outputs');
    const m2 = await (await (await buildWasmBundle(twoOutputs)).import()).load();
    const r = randomInputs(twoOutputs, 2, 5);
    const out = m2.predict(predictArgument(r.flat), 2) as Record<string, Float32Array>;
    expect(Object.keys(out)).toEqual(m2.outputNames);
    expect(m2.outputNames.length).toBe(2);
  });

  it('runs batches larger than one run() in chunks of rows, with the same results', async () => {
    // 40,000 floats per row: the arena holds only a few dozen rows, so 61 rows take three runs.
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 40000]));
    b.output('y', b.op('elementwise', [x, b.weight('c', tensorType([40000]), Float32Array.from({ length: 40000 }, (_, i) => i / 40000))], { expr: 'add(mul($0,$1),$1)' }));
    const graph = b.build();
    const built = await buildWasmBundle(graph);
    const maxRows = JSON.parse(readFileSync(join(built.dir, 'manifest.json'), 'utf8')).wasm.maxRowsPerRun;
    expect(maxRows).toBeLessThan(61);
    const m = await (await built.import()).load();
    const { flat, tensors } = randomInputs(graph, 61, 2);
    const chunked = m.predict(flat.x!, 61) as Float32Array;
    expect(maxAbsDiff(chunked, interpret(graph, tensors).y!.data)).toBeLessThanOrEqual(1e-6);
    const rowByRow = new Float32Array(chunked.length);
    for (let r = 0; r < 61; r++) rowByRow.set(m.predict(flat.x!.subarray(r * 40000, (r + 1) * 40000), 1) as Float32Array, r * 40000);
    expect(maxAbsDiff(chunked, rowByRow)).toBe(0);
  });

  it('--single-file inlines the three modules into model.js', async () => {
    const single = await buildWasmBundle(seed, { singleFile: true });
    expect(files(single.dir)).toEqual(['manifest.json', 'model.d.ts', 'model.js']);
    const { load } = await single.import();
    const { flat } = randomInputs(seed, 7, 4);
    expect(relaxedSimdAvailable()).toBe(true);
    for (const options of [{ relaxed: true }, { relaxed: false }, { simd: false }]) {
      const m = await load(options);
      expect([m.simd, m.relaxed]).toEqual([options.simd ?? true, options.relaxed ?? false]);
      expect(maxAbsDiff(m.predict(flat.flatten_input!, 7) as Float32Array, model.predict(flat.flatten_input!, 7) as Float32Array)).toBeLessThanOrEqual(1e-6);
    }
    expect(readFileSync(join(single.dir, 'model.js'), 'utf8')).not.toMatch(/import\(|fetch\(/);
  });

  it('--weights external writes model.weights.bin and keeps the shipped code under 10 KB gzipped', async () => {
    const external = await buildWasmBundle(seed, { weights: 'external' });
    expect(files(external.dir)).toEqual(['manifest.json', 'model.d.ts', 'model.js', 'model.relaxed.wasm', 'model.scalar.wasm', 'model.wasm', 'model.weights.bin']);
    const size = (f: string) => readFileSync(join(external.dir, f)).byteLength;
    expect(size('model.weights.bin')).toBeGreaterThanOrEqual(101770 * 4);
    expect(size('model.wasm')).toBeLessThan(16 * 1024);
    const gzipped = ['model.js', 'model.wasm'].reduce((n, f) => n + gzipSync(readFileSync(join(external.dir, f)), { level: 9 }).byteLength, 0);
    expect(gzipped).toBeLessThan(10 * 1024);
    const m = await (await external.import()).load({ relaxed: false });
    const { flat } = randomInputs(seed, 7, 4);
    expect(maxAbsDiff(m.predict(flat.flatten_input!, 7) as Float32Array, model.predict(flat.flatten_input!, 7) as Float32Array)).toBe(0);
  });

  it('building twice gives byte-identical files', async () => {
    for (const options of [{}, { singleFile: true }, { weights: 'external' as const }]) {
      const [a, b] = [await buildWasmBundle(seed, options), await buildWasmBundle(seed, options)];
      expect(files(a.dir)).toEqual(files(b.dir));
      for (const f of files(a.dir)) expect(readFileSync(join(a.dir, f)).equals(readFileSync(join(b.dir, f))), f).toBe(true);
    }
    expect(existsSync(join(bundle.dir, 'model.weights.bin'))).toBe(false);
  });
});
