/**
 * Elementwise expressions over f32 operands that compare, convert or select by a bool (what the
 * fuse pass makes of a comparison, a cast and a where): the wasm bundle (SIMD and scalar) and the
 * WebGPU bundle equal the reference interpreter exactly, including a same-type cast.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { tensorType } from '../../src/ir/types.js';
import { buildWebGpuBundle, byName, dawnGpu } from '../helpers/webgpu.js';
import { buildWasmBundle, outputsByName } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

afterAll(removeTempDirs);

const EXPRESSIONS = [
  'where(gt($0,0.25),$0,mul($1,2))',
  'to_f32(le($0,$1))',
  'add(to_f32(eq($0,$1)),to_f32(to_bool($1)))',
  'mul(to_f32($0),3)',
  'select($0,to_f32(lt($1,0)),$1)',
];

/** y_i = expression_i(a, b) for a [batch, 11] pair, every expression an output. */
function graph(): Graph {
  const b = new GraphBuilder();
  const a = b.input('a', tensorType([null, 11]));
  const c = b.input('b', tensorType([null, 11]));
  EXPRESSIONS.forEach((expr, i) => b.output(`y${i}`, b.op('elementwise', [a, c], { expr })));
  return b.build();
}

/** Values with ties (a = b), zeros of both signs and negatives, so every comparison goes both ways. */
function inputs(batch: number): { a: Float32Array; b: Float32Array } {
  const pick = [0, -0, 0.25, 0.5, -1, 3, 0.25, -0.5, 2, 1e-3, -7];
  const a = Float32Array.from({ length: batch * 11 }, (_, i) => pick[(i * 3) % 11]!);
  const b = Float32Array.from({ length: batch * 11 }, (_, i) => pick[(i * 5 + 1) % 11]!);
  for (let i = 0; i < a.length; i += 4) b[i] = a[i]!;
  return { a, b };
}

describe('comparisons inside f32 elementwise expressions', () => {
  const g = graph();
  const names = g.outputs.map((o) => o.name);
  const reference = (batch: number) => {
    const { a, b } = inputs(batch);
    return interpret(g, { a: tensor([batch, 11], a), b: tensor([batch, 11], b) });
  };

  it('the wasm bundle, SIMD and scalar, equals the interpreter exactly', async () => {
    const { load } = await (await buildWasmBundle(g)).import();
    for (const build of [await load(), await load({ simd: false })])
      for (const batch of [1, 3]) {
        const got = outputsByName(build.predict(inputs(batch), batch), build.outputNames);
        const want = reference(batch);
        for (const name of names) expect(Array.from(got[name]!), `${name} (${build.simd ? 'simd' : 'scalar'})`).toEqual(Array.from(want[name]!.data));
      }
  });

  it('the WebGPU bundle equals the interpreter exactly', async () => {
    const model = await (await (await buildWebGpuBundle(g)).import()).load({ gpu: await dawnGpu() });
    try {
      const got = byName(await model.predict(inputs(3), 3), names);
      const want = reference(3);
      for (const name of names) expect(Array.from(got[name]!), name).toEqual(Array.from(want[name]!.data));
    } finally {
      await model.dispose();
    }
  });
});
