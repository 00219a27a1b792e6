import { describe, it } from 'vitest';
import { canonicalize } from '../../src/passes/canonicalize.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { expectPass, ir } from './pass-case.js';

describe('canonicalize', () => {
  it('removes identity and inference-time dropout; outputs read through them', () => {
    expectPass(
      canonicalize,
      ir`
        %x = input : f32[?,3]
        %0 = identity %x : f32[?,3]
        %1 = relu %0 : f32[?,3]
        %2 = dropout %1 {rate=0.5} : f32[?,3]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,3]
        %0 = relu %x : f32[?,3]
        output "y" = %0
      `,
    );
  });

  it('collapses reshape chains to one reshape of the source, and spells the target without -1', () => {
    expectPass(
      (g) => eliminateDeadCode(canonicalize(g)),
      ir`
        %x = input : f32[?,4,6]
        %0 = reshape %x {shape=[-1]} : f32[?,24]
        %1 = dropout %0 {rate=0.1} : f32[?,24]
        %2 = reshape %1 {shape=[6,-1]} : f32[?,6,4]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,4,6]
        %0 = reshape %x {shape=[6,4]} : f32[?,6,4]
        output "y" = %0
      `,
    );
  });

  it('leaves the replaced reshape behind for DCE when it is read elsewhere too', () => {
    expectPass(
      canonicalize,
      ir`
        %x = input : f32[?,4,6]
        %0 = reshape %x {shape=[24]} : f32[?,24]
        %1 = reshape %0 {shape=[2,12]} : f32[?,2,12]
        output "flat" = %0
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,4,6]
        %0 = reshape %x {shape=[24]} : f32[?,24]
        %1 = reshape %x {shape=[2,12]} : f32[?,2,12]
        output "flat" = %0
        output "y" = %1
      `,
    );
  });

  it('drops a reshape (or chain) that ends at the shape it started from', () => {
    expectPass(
      (g) => eliminateDeadCode(canonicalize(g)),
      ir`
        %x = input : f32[?,4,6]
        %0 = reshape %x {shape=[24]} : f32[?,24]
        %1 = reshape %0 {shape=[4,6]} : f32[?,4,6]
        %2 = tanh %1 : f32[?,4,6]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,4,6]
        %0 = tanh %x : f32[?,4,6]
        output "y" = %0
      `,
    );
  });

  it('does not touch a graph that is already canonical', () => {
    const text = ir`
      %x = input : f32[?,4,6]
      %0 = reshape %x {shape=[24]} : f32[?,24]
      %1 = sigmoid %0 : f32[?,24]
      output "y" = %1
    `;
    expectPass(canonicalize, text, text);
  });
});
