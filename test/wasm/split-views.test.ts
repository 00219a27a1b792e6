import { describe, expect, it } from 'vitest';
import { compileWasm } from '../../src/codegen/wasm/module.js';
import { parseGraph } from '../../src/ir/parser.js';
import { moduleError } from './harness.js';

/**
 * Split pieces the memory plan leaves inside their operand (one block per row, a row apart) and
 * the kernels that read them there: the elementwise kernel (vector and scalar loops, broadcasts,
 * one-column pieces), dense, matmul and matmul_tn. Interpreter vs the SIMD128 and scalar modules,
 * at batches across the GEMM's 4-row tiles and row tails; every piece must be read in place.
 */
const BATCHES = [1, 3, 7, 33];
const TOLERANCE = 1e-5;

async function expectInPlaceAndExact(text: string): Promise<void> {
  const graph = parseGraph(text, { weights: new Map([['w', Float32Array.from({ length: 5 * 6 }, (_, i) => Math.sin(i))]]) });
  const plan = compileWasm(graph, { simd: true, weights: 'embedded' }).plan;
  const pieces = graph.nodes.filter((n) => n.op === 'result');
  expect(pieces.length).toBeGreaterThan(0);
  for (const p of pieces) expect(plan.slots.get(p)!.blocks, `%${p.name ?? p.id} read in place`).toBeDefined();
  for (const batch of BATCHES)
    for (const simd of [true, false]) expect(await moduleError(graph, batch, simd, batch, true), `${simd ? 'simd' : 'scalar'}, batch ${batch}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('split pieces read in place by the wasm kernels', () => {
  it('elementwise over pieces of uneven widths, with the operand itself and a broadcast bias', async () => {
    await expectInPlaceAndExact(`
      %x = input : f32[?,14]
      %b = input : f32[5]
      %0 = tanh %x : f32[?,14]
      %1, %2, %3 = split %0 {axis=1, sizes=[5,4,5]} : f32[?,5], f32[?,4], f32[?,5]
      %4 = elementwise %1, %3, %b {expr="add(mul($0,$1),$2)"} : f32[?,5]
      %5 = sigmoid %2 : f32[?,4]
      %6 = concat %4, %5, %0 {axis=1} : f32[?,23]
      output "y" = %6`);
  });

  it('one-column pieces broadcast along a row (the loop steps a pitch per element, no vectors)', async () => {
    await expectInPlaceAndExact(`
      %x = input : f32[?,3]
      %h = input : f32[?,8]
      %0 = exp %x : f32[?,3]
      %1, %2, %3 = split %0 {axis=1, sizes=[1,1,1]} : f32[?,1], f32[?,1], f32[?,1]
      %4 = elementwise %h, %1, %2 {expr="add(mul($0,$1),$2)"} : f32[?,8]
      %5 = neg %3 : f32[?,1]
      output "y" = %4
      output "z" = %5`);
  });

  it('dense reads a step of a sequence in place (a piece of axis 1, reshaped), with a residual', async () => {
    await expectInPlaceAndExact(`
      %x = input : f32[?,3,5]
      %r = input : f32[?,6]
      %w = weight : f32[5,6]
      %0 = relu %x : f32[?,3,5]
      %1, %2, %3 = split %0 {axis=1, sizes=[1,1,1]} : f32[?,1,5], f32[?,1,5], f32[?,1,5]
      %4 = reshape %2 {shape=[5]} : f32[?,5]
      %5 = reshape %3 {shape=[5]} : f32[?,5]
      %6 = reshape %1 {shape=[5]} : f32[?,5]
      %7 = dense %4, %w, %r {residual=true} : f32[?,6]
      %8 = matmul %5, %w : f32[?,6]
      %9 = dense %6, %w : f32[?,6]
      %10 = add %7, %8 : f32[?,6]
      %11 = add %10, %9 : f32[?,6]
      output "y" = %11`);
  });

  it('matmul_tn reads a piece as a (its columns a pitch apart), below and above the packing threshold', async () => {
    for (const m of [3, 12])
      await expectInPlaceAndExact(`
        %x = input : f32[?,${2 * m}]
        %g = input : f32[?,6]
        %0 = tanh %x : f32[?,${2 * m}]
        %1, %2 = split %0 {axis=1, sizes=[${m},${m}]} : f32[?,${m}], f32[?,${m}]
        %3 = matmul_tn %2, %g : f32[${m},6]
        %4 = matmul_tn %1, %g, %3 : f32[${m},6]
        output "dw" = %4`);
  });
});
