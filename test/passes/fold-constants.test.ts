import { describe, expect, it } from 'vitest';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { FOLD_LIMIT, foldConstants } from '../../src/passes/fold-constants.js';
import { expectPass, ir } from './pass-case.js';

const foldThenSweep = (g: Parameters<typeof foldConstants>[0]) => eliminateDeadCode(foldConstants(g));

describe('fold-constants', () => {
  it('evaluates a chain over const literals into one const, leaving batch values alone', () => {
    expectPass(
      foldThenSweep,
      ir`
        %x = input : f32[?,2]
        %a = const {value=[1,-2]} : f32[2]
        %b = const {value=[0.5,0.25]} : f32[2]
        %0 = relu %a : f32[2]
        %1 = mul %0, %b : f32[2]
        %2 = add %x, %1 : f32[?,2]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,2]
        %0 = const {value=[0.5,0]} : f32[2]
        %1 = add %x, %0 : f32[?,2]
        output "y" = %1
      `,
    );
  });

  it('folds weights into a new weight named after its source, data computed by the interpreter', () => {
    const weights = new Map([['layer/bias', Float32Array.from([-1, 2, -3])]]);
    const out = expectPass(
      foldThenSweep,
      ir`
        %x = input : f32[?,3]
        %layer/bias = weight : f32[3]
        %0 = relu %layer/bias : f32[3]
        %1 = add %x, %0 : f32[?,3]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,3]
        %layer/bias.relu = weight : f32[3]
        %0 = add %x, %layer/bias.relu : f32[?,3]
        output "y" = %0
      `,
      weights,
    );
    expect([...out.weights.get('layer/bias.relu')!]).toEqual([0, 2, 0]);
    expect([...out.weights.keys()]).toEqual(['layer/bias.relu']);
  });

  it('does not fold a result larger than FOLD_LIMIT that outgrows its operands', () => {
    const n = 64;
    expect(n * n).toBeGreaterThan(FOLD_LIMIT);
    const weights = new Map([['col', new Float32Array(n).fill(1)], ['row', new Float32Array(n).fill(2)]]);
    const text = ir`
      %x = input : f32[?,${n},${n}]
      %col = weight : f32[${n},1]
      %row = weight : f32[1,${n}]
      %0 = add %col, %row : f32[${n},${n}]
      %1 = mul %x, %0 : f32[?,${n},${n}]
      output "y" = %1
    `;
    expectPass(foldThenSweep, text, text, weights);
  });

  it('folds a large result that is no larger than its operands', () => {
    const n = 2000;
    const weights = new Map([['w', new Float32Array(n).fill(-1)]]);
    const out = expectPass(
      foldThenSweep,
      ir`
        %x = input : f32[?,${n}]
        %w = weight : f32[${n}]
        %0 = relu %w : f32[${n}]
        %1 = add %x, %0 : f32[?,${n}]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,${n}]
        %w.relu = weight : f32[${n}]
        %0 = add %x, %w.relu : f32[?,${n}]
        output "y" = %0
      `,
      weights,
    );
    expect(out.weights.get('w.relu')!.every((v) => v === 0)).toBe(true);
  });

  it('leaves weights without data (IR parsed without its weights) unfolded', () => {
    const text = ir`
      %x = input : f32[?,3]
      %b = weight : f32[3]
      %0 = relu %b : f32[3]
      %1 = add %x, %0 : f32[?,3]
      output "y" = %1
    `;
    expectPass(foldConstants, text, text);
  });

  it('keeps folded names unique and reads one weight used twice once', () => {
    const weights = new Map([['w', Float32Array.from([1, 2])], ['w.add', Float32Array.from([5, 5])]]);
    const out = expectPass(
      foldThenSweep,
      ir`
        %x = input : f32[?,2]
        %w = weight : f32[2]
        %w.add = weight : f32[2]
        %0 = add %w, %w : f32[2]
        %1 = add %x, %0 : f32[?,2]
        %2 = add %1, %w.add : f32[?,2]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,2]
        %w.add = weight : f32[2]
        %w.add_2 = weight : f32[2]
        %0 = add %x, %w.add_2 : f32[?,2]
        %1 = add %0, %w.add : f32[?,2]
        output "y" = %1
      `,
      weights,
    );
    expect([...out.weights.get('w.add_2')!]).toEqual([2, 4]);
  });
});
