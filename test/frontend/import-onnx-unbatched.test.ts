import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnxSession, ort } from '../helpers/onnxruntime.js';
import onnxProto from 'onnx-proto';
import { afterAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { interpret } from '../../src/ir/interpreter.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { buildWasmBundle, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';
import { DataType, node, valueInfo, writeOnnxModel, type Dims } from '../helpers/onnx-model.js';
import { webgpuTarget } from '../../src/codegen/wgsl/target.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';
import { optimize } from '../../src/passes/index.js';

const { onnx } = onnxProto;
const { FLOAT } = DataType;
const rng = new Random(11);
afterAll(removeTempDirs);

const floatInit = (name: string, dims: number[]) =>
  onnx.TensorProto.create({ name, dims, dataType: onnx.TensorProto.DataType.FLOAT, floatData: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1)) });
interface Case {
  readonly name: string;
  readonly nodes: ReturnType<typeof node>[];
  readonly inits?: ReturnType<typeof floatInit>[];
  /** Declared dims (a string is a symbolic axis) and the concrete dims fed. */
  readonly inputs: Record<string, { declared: Dims; fed: number[] }>;
  readonly output: string;
  /** Whether the compiled model runs batches in chunks. */
  readonly chunked?: boolean;
  /** Whether the WebGPU bundle runs it too (not yet: a matmul by a computed or stacked B). */
  readonly webgpu?: boolean;
}

function writeModel(c: Case): string {
  return writeOnnxModel({
    nodes: c.nodes,
    initializers: c.inits,
    inputs: Object.entries(c.inputs).map(([name, v]) => valueInfo(name, FLOAT, v.declared)),
    outputs: [onnx.ValueInfoProto.create({ name: c.output })],
  });
}

const randomData = (n: number) => Float32Array.from({ length: n }, () => rng.uniform(-1, 1));
const size = (dims: number[]) => dims.reduce((a, b) => a * b, 1);

const CASES: Case[] = [
  {
    name: 'Add of [3,4,5] and [5], both fully static',
    nodes: [node('Add', ['x', 'y'], 'z')],
    inputs: { x: { declared: [3, 4, 5], fed: [3, 4, 5] }, y: { declared: [5], fed: [5] } },
    output: 'z',
    webgpu: true,
  },
  {
    name: 'Add of a batched input, an unbatched initializer and a rank-0 input',
    nodes: [node('Add', ['x', 'w'], 'h'), node('Add', ['h', 's'], 'z')],
    inits: [floatInit('w', [4, 5])],
    inputs: { x: { declared: ['N', 4, 5], fed: [3, 4, 5] }, s: { declared: [], fed: [] } },
    output: 'z',
    webgpu: true,
  },
  {
    name: 'Mul by a scalar graph input',
    nodes: [node('Mul', ['x', 'r'], 'z')],
    inputs: { x: { declared: ['N', 6], fed: [3, 6] }, r: { declared: [], fed: [] } },
    output: 'z',
    webgpu: true,
  },
  {
    name: 'MatMul of a static [3,4] input by a [4,70] initializer, Softmax, Split, Concat',
    nodes: [node('MatMul', ['a', 'w'], 'h'), node('Softmax', ['h'], 's', { axis: 0 }), { ...node('Split', ['s'], 'p', { axis: 1 }), output: ['p', 'q'] } as ReturnType<typeof node>, node('Concat', ['q', 'p', 'h'], 'z', { axis: 1 })],
    inits: [floatInit('w', [4, 70])],
    inputs: { a: { declared: [3, 4], fed: [3, 4] } },
    output: 'z',
    webgpu: true,
  },
  {
    name: 'Add of a batched input and a tiled MatMul of a static [70,64] input by a [64,20] initializer',
    nodes: [node('MatMul', ['a', 'w'], 'h'), node('Add', ['x', 'h'], 'z')],
    inits: [floatInit('w', [64, 20])],
    inputs: { a: { declared: [70, 64], fed: [70, 64] }, x: { declared: ['N', 70, 20], fed: [3, 70, 20] } },
    output: 'z',
    webgpu: true,
  },
  {
    name: 'MatMul of batched stacks by a batched B',
    nodes: [node('MatMul', ['a', 'b'], 'z')],
    inputs: { a: { declared: ['N', 2, 3], fed: [4, 2, 3] }, b: { declared: ['N', 3, 5], fed: [4, 3, 5] } },
    output: 'z',
    chunked: true,
  },
  {
    name: 'MatMul [N,2,3,4] x a [4,5] graph input broadcast',
    nodes: [node('MatMul', ['a', 'b'], 'z')],
    inputs: { a: { declared: ['N', 2, 3, 4], fed: [2, 2, 3, 4] }, b: { declared: [4, 5], fed: [4, 5] } },
    output: 'z',
    webgpu: true,
  },
  {
    name: 'MatMul of a static [3,4] by a batched B [N,4,5]',
    nodes: [node('MatMul', ['a', 'b'], 'z')],
    inputs: { a: { declared: [3, 4], fed: [3, 4] }, b: { declared: ['N', 4, 5], fed: [2, 4, 5] } },
    output: 'z',
  },
  { name: 'MatMul 1-D x 2-D', nodes: [node('MatMul', ['a', 'b'], 'z')], inputs: { a: { declared: [4], fed: [4] }, b: { declared: [4, 6], fed: [4, 6] } }, output: 'z' },
  { name: 'MatMul 2-D x 1-D', nodes: [node('MatMul', ['a', 'b'], 'z')], inputs: { a: { declared: ['N', 4], fed: [3, 4] }, b: { declared: [4], fed: [4] } }, output: 'z' },
  { name: 'MatMul 1-D x batched 3-D', nodes: [node('MatMul', ['a', 'b'], 'z')], inputs: { a: { declared: [4], fed: [4] }, b: { declared: ['N', 4, 9], fed: [3, 4, 9] } }, output: 'z' },
  {
    name: 'Gemm with a computed B',
    nodes: [node('Gemm', ['a', 'b', 'c'], 'z')],
    inits: [floatInit('c', [6])],
    inputs: { a: { declared: ['N', 5], fed: [3, 5] }, b: { declared: [5, 6], fed: [5, 6] } },
    output: 'z',
  },
  {
    name: 'Gemm with a computed B and transB',
    nodes: [node('Gemm', ['a', 'b'], 'z', { transB: 1 })],
    inputs: { a: { declared: ['N', 5], fed: [3, 5] }, b: { declared: [7, 5], fed: [7, 5] } },
    output: 'z',
  },
];

async function reference(path: string, feeds: Record<string, { dims: number[]; data: Float32Array }>, output: string): Promise<Float32Array> {
  const session = await onnxSession(path);
  const result = await session.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor('float32', v.data, v.dims)])));
  return result[output]!.data as Float32Array;
}

describe('ONNX values with and without a batch axis, equal to onnxruntime (interpreter and wasm bundle)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const path = writeModel(c);
      const graph = loadOnnxGraph(path);
      verifyGraph(graph, { requireWeightData: true });
      const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, { dims: v.fed, data: randomData(size(v.fed)) }]));
      const want = await reference(path, feeds, c.output);
      const got = interpret(graph, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, { shape: v.dims, data: v.data }])));
      expect(maxAbsDiff(got[c.output]!.data, want)).toBeLessThanOrEqual(1e-5);
      const bundle = await buildWasmBundle(graph);
      const manifest = JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8'));
      expect(manifest.wasm.chunked).toBe(c.chunked ?? false);
      for (const simd of [true, false]) {
        const model = await (await bundle.import()).load({ simd });
        const y = outputsByName(model.predict(predictArgument(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data])))), model.outputNames)[c.output]!;
        expect(y.length).toBe(want.length);
        expect(maxAbsDiff(y, want)).toBeLessThanOrEqual(1e-5);
      }
    });
  }
});

describe('ONNX values with and without a batch axis, equal to onnxruntime (webgpu bundle on Dawn)', () => {
  for (const c of CASES.filter((c) => c.webgpu)) {
    it(c.name, async () => {
      const path = writeModel(c);
      const graph = loadOnnxGraph(path);
      const feeds = Object.fromEntries(Object.entries(c.inputs).map(([k, v]) => [k, { dims: v.fed, data: randomData(size(v.fed)) }]));
      const want = await reference(path, feeds, c.output);
      const model = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
      try {
        const flat = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data]));
        const y = byName(await model.predict(predictInput(graph, flat)), model.outputNames)[c.output]!;
        expect(y.length).toBe(want.length);
        expect(maxAbsDiff(y, want)).toBeLessThanOrEqual(1e-5);
      } finally {
        await model.dispose();
      }
    });
  }
});

describe('MatMul shapes nnc refuses, naming why', () => {
  it('a batched [N,4] times a [1,4,7] stack would put the batch axis second: refused with that reason', () => {
    const path = writeModel({
      name: '',
      nodes: [node('MatMul', ['a', 'b'], 'z')],
      inputs: { a: { declared: ['N', 4], fed: [] }, b: { declared: [1, 4, 7], fed: [] } },
      output: 'z',
    });
    expect(() => loadOnnxGraph(path)).toThrow(/matmul \[\?,4\] x \[1,4,7\] would give \[1,\?,7\]: the batch axis must be the result's only symbolic axis and its first/);
  });
});

describe('bundles of models without a batch axis', () => {
  it('a fully static model predicts with exactly its shapes; other lengths and batches are a RangeError', async () => {
    const c = CASES[0]!;
    const graph = loadOnnxGraph(writeModel(c));
    expect(graph.inputs.map((n) => n.type.shape)).toEqual([[3, 4, 5], [5]]);
    const model = await (await (await buildWasmBundle(graph)).import()).load();
    const x = randomData(60);
    const y = randomData(5);
    expect((model.predict({ x, y }) as Float32Array).length).toBe(60);
    expect((model.predict({ x, y }, 1) as Float32Array).length).toBe(60);
    expect(() => model.predict({ x, y }, 2)).toThrow(new RangeError('this model has no batch axis (every input has a fixed shape), so batch must be 1 or omitted, got 2'));
    expect(() => model.predict({ x: randomData(120), y })).toThrow(new RangeError('input "x" has no batch axis: it must hold exactly 60 values, got 120'));
  });

  it('an input without a batch axis keeps a row-local graph from running in chunks and from --threads', async () => {
    const c = CASES[2]!;
    const graph = loadOnnxGraph(writeModel(c));
    const bundle = await buildWasmBundle(graph);
    const manifest = JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8'));
    expect([manifest.wasm.rowLocal, manifest.wasm.chunked, manifest.wasm.inputsWithoutBatchAxis]).toEqual([true, false, ['r']]);
    const model = await (await bundle.import()).load();
    const rows = manifest.wasm.maxRowsPerRun as number;
    const x = randomData((rows + 1) * 6);
    expect(() => model.predict({ x, r: new Float32Array([2]) })).toThrow(/^this model has an input without a batch axis \("r"\), so a batch runs in one piece/);
    await expect(buildWasmBundle(graph, { threads: 2 })).rejects.toThrow(/--threads 2 splits each batch into row ranges, but input 'r' \(f32\[\]\) has no batch axis/);
  });

  it('a fully static webgpu model predicts with exactly its shapes, equal to onnxruntime; other lengths and batches are a RangeError', async () => {
    const c = CASES[0]!;
    const path = writeModel(c);
    const graph = loadOnnxGraph(path);
    const model = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
    try {
      const x = randomData(60);
      const y = randomData(5);
      const want = await reference(path, { x: { dims: [3, 4, 5], data: x }, y: { dims: [5], data: y } }, 'z');
      expect(maxAbsDiff((await model.predict({ x, y })) as Float32Array, want)).toBeLessThanOrEqual(1e-5);
      expect(maxAbsDiff((await model.predict({ x, y }, 1)) as Float32Array, want)).toBeLessThanOrEqual(1e-5);
      await expect(model.predict({ x, y }, 2)).rejects.toThrow(new RangeError('this model has no batch axis (every input has a fixed shape), so batch must be 1 or omitted, got 2'));
      await expect(model.predict({ x: randomData(120), y })).rejects.toThrow(new RangeError('input "x" has no batch axis: it must hold exactly 60 values, got 120'));
    } finally {
      await model.dispose();
    }
  });

  it('a webgpu model with an unbatched input takes it at its size whatever the batch, and checks its length', async () => {
    const c = CASES[2]!;
    const path = writeModel(c);
    const graph = loadOnnxGraph(path);
    const model = await (await (await buildWebGpuBundle(graph)).import()).load({ gpu: await dawnGpu() });
    try {
      for (const rows of [1, 5]) {
        const x = randomData(rows * 6);
        const r = randomData(1);
        const want = await reference(path, { x: { dims: [rows, 6], data: x }, r: { dims: [], data: r } }, 'z');
        expect(maxAbsDiff((await model.predict({ x, r })) as Float32Array, want)).toBeLessThanOrEqual(1e-5);
      }
      await expect(model.predict({ x: randomData(12), r: randomData(2) })).rejects.toThrow(new RangeError('input "r" has no batch axis: it must hold exactly 1 values, got 2'));
      await expect(model.predict({ x: randomData(12), r: randomData(1) }, 3)).rejects.toThrow(new RangeError('input "x" must hold 3 × 6 = 18 values, got 12'));
    } finally {
      await model.dispose();
    }
  });

  it('the webgpu target refuses a matmul by a batched stack, naming it (NNC4001)', async () => {
    const graph = optimize(loadOnnxGraph(writeModel(CASES[7]!)));
    const emit = webgpuTarget.emit(graph, { singleFile: false, weights: 'embedded' });
    await expect(emit).rejects.toMatchObject({ code: 'NNC4001' });
    await expect(emit).rejects.toThrow(/does not support matmul f32\[3,4\] x f32\[\?,4,5\]/);
  });
});
