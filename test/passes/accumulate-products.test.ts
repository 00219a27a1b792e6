import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { accumulateProducts } from '../../src/passes/accumulate-products.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { tensor } from '../../src/ir/tensor.js';
import { expectPass, ir } from './pass-case.js';

const pass = (g: Parameters<typeof accumulateProducts>[0]) => eliminateDeadCode(accumulateProducts(g));

describe('accumulate-products', () => {
  it('adds each weight-gradient product of a running sum into the sum in its GEMM', () => {
    expectPass(
      pass,
      ir`
        %h0 = input : f32[?,4]
        %h1 = input : f32[?,4]
        %h2 = input : f32[?,4]
        %g = input : f32[?,3]
        %0 = matmul_tn %h0, %g : f32[4,3]
        %1 = matmul_tn %h1, %g : f32[4,3]
        %2 = add %0, %1 : f32[4,3]
        %3 = matmul_tn %h2, %g : f32[4,3]
        %4 = add %2, %3 : f32[4,3]
        output "dw" = %4
      `,
      ir`
        %h0 = input : f32[?,4]
        %h1 = input : f32[?,4]
        %h2 = input : f32[?,4]
        %g = input : f32[?,3]
        %0 = matmul_tn %h0, %g : f32[4,3]
        %1 = matmul_tn %h1, %g, %0 : f32[4,3]
        %2 = matmul_tn %h2, %g, %1 : f32[4,3]
        output "dw" = %2
      `,
    );
  });

  it('leaves a product another node reads, a broadcast add and a product already accumulating', () => {
    const kept = ir`
      %a = input : f32[?,4]
      %g = input : f32[?,3]
      %c = input : f32[4,3]
      %b = input : f32[3]
      %0 = matmul_tn %a, %g : f32[4,3]
      %1 = add %0, %c : f32[4,3]
      %2 = matmul_tn %a, %g : f32[4,3]
      %3 = add %2, %b : f32[4,3]
      %4 = matmul_tn %a, %g, %c : f32[4,3]
      %5 = add %c, %4 : f32[4,3]
      output "y" = %1
      output "z" = %3
      output "p" = %0
      output "q" = %5
    `;
    expectPass(pass, kept, kept);
  });

  it('computes what the sums computed, in the reference interpreter', () => {
    const text = ir`
      %x = input : f32[?,5]
      %g = input : f32[?,6]
      %c = input : f32[5,6]
      %0 = matmul_tn %x, %g : f32[5,6]
      %1 = add %c, %0 : f32[5,6]
      %2 = relu %x : f32[?,5]
      %3 = matmul_tn %2, %g : f32[5,6]
      %4 = add %1, %3 : f32[5,6]
      output "y" = %4
    `;
    const before = parseGraph(text);
    const after = pass(before);
    expect(after.nodes.filter((n) => n.op === 'add')).toHaveLength(0);
    const values = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 13 + i * 0.7));
    const inputs = { x: tensor([7, 5], values(35, 1)), g: tensor([7, 6], values(42, 2)), c: tensor([5, 6], values(30, 3)) };
    expect(Array.from(interpret(after, inputs).y!.data)).toEqual(Array.from(interpret(before, inputs).y!.data));
  });
});
