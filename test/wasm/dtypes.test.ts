import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { fuse } from '../../src/passes/fuse.js';
import { buildWasmBundle } from './bundle-helpers.js';

const I32_MIN = -2147483648;
const I32_MAX = 2147483647;

/** Two i32[?,n] inputs a, b -> one output of `op` (table-driven: IR text, inputs, expected). */
const CASES: { name: string; ir: string; a: number[]; b: number[]; want: number[]; array: 'Int32Array' | 'Uint8Array' | 'Float32Array' }[] = [
  { name: 'i32 div truncates toward zero, x / 0 gives 0, -2^31 / -1 wraps', ir: 'div %a, %b : i32[?,8]', a: [7, -7, 7, -7, 5, I32_MIN, 9, 1], b: [2, 2, -2, -2, 0, -1, 3, 1], want: [3, -3, -3, 3, 0, I32_MIN, 3, 1], array: 'Int32Array' },
  { name: 'i32 add and mul wrap to 32 bits', ir: 'mul %a, %b : i32[?,8]', a: [I32_MAX, 65536, -3, 0, 1, 2, 3, 4], b: [2, 65536, 5, 9, 1, 2, 3, 4], want: [-2, 0, -15, 0, 1, 4, 9, 16], array: 'Int32Array' },
  { name: 'i32 sub wraps', ir: 'sub %a, %b : i32[?,8]', a: [I32_MIN, 0, 5, 1, 2, 3, 4, 5], b: [1, 1, 7, 1, 2, 3, 4, 5], want: [I32_MAX, -1, -2, 0, 0, 0, 0, 0], array: 'Int32Array' },
  { name: 'less of i32 gives bool', ir: 'less %a, %b : bool[?,8]', a: [1, 2, 3, -4, 5, 6, 7, 8], b: [2, 2, 2, 4, 6, 6, 0, 9], want: [1, 0, 0, 1, 1, 0, 0, 1], array: 'Uint8Array' },
  { name: 'equal of i32 gives bool', ir: 'equal %a, %b : bool[?,8]', a: [1, 2, 3, -4, 5, 6, 7, 8], b: [2, 2, 2, 4, 6, 6, 0, 8], want: [0, 1, 0, 0, 0, 1, 0, 1], array: 'Uint8Array' },
  { name: 'greater of i32 gives bool', ir: 'greater %a, %b : bool[?,8]', a: [1, 2, 3, -4, 5, 6, 7, 8], b: [2, 2, 2, 4, 6, 6, 0, 8], want: [0, 0, 1, 0, 0, 0, 1, 0], array: 'Uint8Array' },
  { name: 'maximum of i32 (signed)', ir: 'maximum %a, %b : i32[?,8]', a: [I32_MIN, -1, 3, -4, 5, 6, I32_MAX, 8], b: [I32_MAX, 1, 2, 4, -6, 6, 0, 8], want: [I32_MAX, 1, 3, 4, 5, 6, I32_MAX, 8], array: 'Int32Array' },
  { name: 'minimum of i32 (signed)', ir: 'minimum %a, %b : i32[?,8]', a: [I32_MIN, -1, 3, -4, 5, 6, I32_MAX, 8], b: [I32_MAX, 1, 2, 4, -6, 6, 0, 8], want: [I32_MIN, -1, 2, -4, -6, 6, 0, 8], array: 'Int32Array' },
];

const graphOf = (body: string, out = 'y') => parseGraph(`%a = input : i32[?,8]\n%b = input : i32[?,8]\n%0 = ${body}\noutput "${out}" = %0\n`);

describe('dtypes: interpreter and wasm bundle (SIMD and scalar)', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const graph = graphOf(c.ir);
      const inputs = { a: { shape: [1, 8], data: Int32Array.from(c.a) }, b: { shape: [1, 8], data: Int32Array.from(c.b) } };
      const want = interpret(graph, inputs).y!;
      expect(want.data.constructor.name).toBe(c.array);
      expect(Array.from(want.data)).toEqual(c.want);
      const bundle = await buildWasmBundle(graph);
      for (const simd of [true, false]) {
        const model = await (await bundle.import()).load({ simd });
        const got = model.predict({ a: Int32Array.from(c.a), b: Int32Array.from(c.b) } as never) as unknown as ArrayLike<number>;
        expect(got.constructor.name, `simd ${simd}`).toBe(c.array);
        expect(Array.from(got), `simd ${simd}`).toEqual(c.want);
      }
    });
  }

  it('cast f32 -> i32 truncates toward zero (saturating, NaN -> 0); i32 -> f32; f32 -> bool is x != 0', async () => {
    const graph = parseGraph(`%x = input : f32[?,8]
%0 = cast %x {to="i32"} : i32[?,8]
%1 = cast %0 {to="f32"} : f32[?,8]
%2 = cast %x {to="bool"} : bool[?,8]
output "i" = %0
output "f" = %1
output "b" = %2
`);
    const x = Float32Array.from([1.9, -1.9, 0.5, -0.5, 3e9, -3e9, NaN, 0]);
    const want = { i: [1, -1, 0, 0, I32_MAX, I32_MIN, 0, 0], f: [1, -1, 0, 0, 2147483648, I32_MIN, 0, 0], b: [1, 1, 1, 1, 1, 1, 1, 0] };
    const ref = interpret(graph, { x: { shape: [1, 8], data: x } });
    expect({ i: Array.from(ref.i!.data), f: Array.from(ref.f!.data), b: Array.from(ref.b!.data) }).toEqual(want);
    const bundle = await buildWasmBundle(graph);
    for (const simd of [true, false]) {
      const model = await (await bundle.import()).load({ simd });
      const got = model.predict(x) as unknown as Record<string, ArrayLike<number>>;
      expect({ i: Array.from(got.i!), f: Array.from(got.f!), b: Array.from(got.b!) }, `simd ${simd}`).toEqual(want);
      expect(got.b).toBeInstanceOf(Uint8Array);
    }
  });

  it('a bundle with an Int32Array input refuses a Float32Array with a TypeError naming Int32Array', async () => {
    const bundle = await buildWasmBundle(graphOf('less %a, %b : bool[?,8]'));
    const model = await (await bundle.import()).load();
    expect(() => model.predict({ a: new Float32Array(8), b: new Int32Array(8) } as never)).toThrow(/input "a" must be a Int32Array, got Float32Array/);
    const manifest = JSON.parse(readFileSync(join(bundle.dir, 'manifest.json'), 'utf8'));
    expect(manifest.inputs.map((t: { dtype: string }) => t.dtype)).toEqual(['int32', 'int32']);
    expect(manifest.outputs[0].dtype).toBe('bool');
    const dts = readFileSync(join(bundle.dir, 'model.d.ts'), 'utf8');
    expect(dts).toContain('a: Int32Array');
    expect(dts).toMatch(/predict\(inputs: Inputs, batch\?: number\): Uint8Array/);
  });

  it('relu on i32 is a shape diagnostic naming the op and the dtypes', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { dtype: 'i32', shape: [null, 4] });
    expect(() => b.op('relu', [x])).toThrow(/NNC2003|relu takes f32, got i32/);
    expect(() => b.op('add', [x, b.input('y', { dtype: 'f32', shape: [null, 4] })])).toThrow(/add takes operands of one dtype, got i32, f32/);
  });

  it('an op whose kernel moves 4-byte words (concat) refuses bool operands at build time (NNC4001), naming the node and dtypes', async () => {
    const graph = parseGraph('%a = input : bool[?,8]\n%0 = cast %a {to="f32"} : f32[?,8]\n%1 = relu %0 : f32[?,8]\n%2 = concat %a, %a {axis=1} : bool[?,16]\noutput "y" = %1\noutput "z" = %2\n');
    await expect(buildWasmBundle(graph)).rejects.toThrow(/'concat' has a wasm kernel for f32 and i32 only; it gets bool, bool, bool/);
  });

  it('fuse does not fuse across a dtype change', () => {
    const graph = parseGraph(`%a = input : i32[?,8]
%b = input : i32[?,8]
%0 = add %a, %b : i32[?,8]
%1 = mul %0, %b : i32[?,8]
%2 = less %1, %a : bool[?,8]
%3 = cast %2 {to="f32"} : f32[?,8]
%4 = relu %3 : f32[?,8]
output "y" = %4
`);
    const text = printGraph(fuse(graph));
    expect(text).toContain('elementwise %a, %b {expr="mul(add($0,$1),$1)"} : i32[?,8]');
    expect(text).toContain('less');
    expect(text).toContain('cast');
  });
});

describe('dtypes: webgpu target', () => {
  it('refuses an i32 value at build time (NNC4001) naming the node and the dtype', async () => {
    const { buildProgram } = await import('../../src/codegen/wgsl/program.js');
    const { optimize, planMemory } = await import('../../src/passes/index.js');
    const graph = optimize(graphOf('add %a, %b : i32[?,8]'));
    expect(() => buildProgram(graph, planMemory(graph))).toThrow(/NNC4001.*webgpu supports f32 values only; '.*' gives i32/);
  });
});
