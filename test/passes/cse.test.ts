import { describe, it } from 'vitest';
import { eliminateCommonSubexpressions } from '../../src/passes/cse.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { expectPass, ir } from './pass-case.js';

const cseThenSweep = (g: Parameters<typeof eliminateCommonSubexpressions>[0]) => eliminateDeadCode(eliminateCommonSubexpressions(g));

describe('cse', () => {
  it('merges equal nodes, then what reads them becomes equal too', () => {
    expectPass(
      cseThenSweep,
      ir`
        %x = input : f32[?,4]
        %w = weight : f32[4,3]
        %0 = matmul %x, %w : f32[?,3]
        %1 = matmul %x, %w : f32[?,3]
        %2 = relu %0 : f32[?,3]
        %3 = relu %1 : f32[?,3]
        %4 = sub %2, %3 : f32[?,3]
        output "y" = %4
      `,
      ir`
        %x = input : f32[?,4]
        %w = weight : f32[4,3]
        %0 = matmul %x, %w : f32[?,3]
        %1 = relu %0 : f32[?,3]
        %2 = sub %1, %1 : f32[?,3]
        output "y" = %2
      `,
    );
  });

  it('treats add and mul operands as unordered, but not sub', () => {
    expectPass(
      cseThenSweep,
      ir`
        %x = input : f32[?,2]
        %y = input : f32[?,2]
        %0 = add %x, %y : f32[?,2]
        %1 = add %y, %x : f32[?,2]
        %2 = sub %x, %y : f32[?,2]
        %3 = sub %y, %x : f32[?,2]
        %4 = concat %0, %1, %2, %3 {axis=-1} : f32[?,8]
        output "z" = %4
      `,
      ir`
        %x = input : f32[?,2]
        %y = input : f32[?,2]
        %0 = add %x, %y : f32[?,2]
        %1 = sub %x, %y : f32[?,2]
        %2 = sub %y, %x : f32[?,2]
        %3 = concat %0, %0, %1, %2 {axis=-1} : f32[?,8]
        output "z" = %3
      `,
    );
  });

  it('merges equal const literals but not nodes whose attributes differ, nor equal-looking weights', () => {
    expectPass(
      cseThenSweep,
      ir`
        %x = input : f32[?,2]
        %a = weight : f32[2]
        %b = weight : f32[2]
        %0 = const {value=[1,2]} : f32[2]
        %1 = const {value=[1,2]} : f32[2]
        %2 = leaky_relu %x {alpha=0.1} : f32[?,2]
        %3 = leaky_relu %x {alpha=0.2} : f32[?,2]
        %4 = add %2, %0 : f32[?,2]
        %5 = add %3, %1 : f32[?,2]
        %6 = add %4, %a : f32[?,2]
        %7 = add %5, %b : f32[?,2]
        %8 = concat %6, %7 {axis=-1} : f32[?,4]
        output "y" = %8
      `,
      ir`
        %x = input : f32[?,2]
        %a = weight : f32[2]
        %b = weight : f32[2]
        %0 = const {value=[1,2]} : f32[2]
        %1 = leaky_relu %x {alpha=0.1} : f32[?,2]
        %2 = leaky_relu %x : f32[?,2]
        %3 = add %1, %0 : f32[?,2]
        %4 = add %2, %0 : f32[?,2]
        %5 = add %3, %a : f32[?,2]
        %6 = add %4, %b : f32[?,2]
        %7 = concat %5, %6 {axis=-1} : f32[?,4]
        output "y" = %7
      `,
    );
  });

  it('compares attribute values with defaults applied: softmax {axis=-1} and softmax are one node', () => {
    expectPass(
      cseThenSweep,
      ir`
        %x = input : f32[?,4]
        %0 = softmax %x {axis=-1} : f32[?,4]
        %1 = softmax %x : f32[?,4]
        %2 = softmax %x {axis=0} : f32[?,4]
        %3 = leaky_relu %x : f32[?,4]
        %4 = leaky_relu %x {alpha=0.2} : f32[?,4]
        %5 = concat %0, %1, %2, %3, %4 : f32[?,20]
        output "y" = %5
      `,
      ir`
        %x = input : f32[?,4]
        %0 = softmax %x {axis=-1} : f32[?,4]
        %1 = softmax %x {axis=0} : f32[?,4]
        %2 = leaky_relu %x : f32[?,4]
        %3 = concat %0, %0, %1, %2, %2 {axis=-1} : f32[?,20]
        output "y" = %3
      `,
    );
  });
});
