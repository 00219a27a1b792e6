import { describe, expect, it } from 'vitest';
import { parseGraph } from '../../src/ir/parser.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { expectPass, ir } from './pass-case.js';

describe('dce', () => {
  it('removes nodes no output reads, and their weights', () => {
    const weights = new Map([['w', new Float32Array(16)], ['unused', new Float32Array(4)]]);
    const out = expectPass(
      eliminateDeadCode,
      ir`
        %x = input : f32[?,4]
        %w = weight : f32[4,4]
        %unused = weight : f32[4]
        %0 = add %x, %unused : f32[?,4]
        %1 = relu %0 : f32[?,4]
        %2 = matmul %x, %w : f32[?,4]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,4]
        %w = weight : f32[4,4]
        %0 = matmul %x, %w : f32[?,4]
        output "y" = %0
      `,
      weights,
    );
    expect([...out.weights.keys()]).toEqual(['w']);
  });

  it('keeps unused model inputs (they are the signature) and everything a live node reads', () => {
    const text = ir`
      %a = input : f32[?,2]
      %b = input : f32[?,2]
      %0 = relu %a : f32[?,2]
      %1 = tanh %0 : f32[?,2]
      output "y" = %1
      output "z" = %0
    `;
    expectPass(eliminateDeadCode, text, text);
  });

  it('shares the surviving nodes with the input graph instead of copying them', () => {
    const g = parseGraph('%x = input : f32[?,1]\n%0 = relu %x : f32[?,1]\noutput "y" = %0\n');
    expect(eliminateDeadCode(g).nodes[1]).toBe(g.nodes[1]);
  });
});
