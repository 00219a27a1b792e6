import { describe, expect, it } from 'vitest';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { tensor } from '../../src/ir/tensor.js';
import { fuse } from '../../src/passes/fuse.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { expectPass, ir } from './pass-case.js';

describe('fuse: dense', () => {
  it('turns flatten + matmul + bias add + activation into one dense reading the unflattened input', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4,6]
        %k = weight : f32[24,8]
        %b = weight : f32[8]
        %0 = reshape %x {shape=[24]} : f32[?,24]
        %1 = matmul %0, %k : f32[?,8]
        %2 = add %1, %b : f32[?,8]
        %3 = relu %2 : f32[?,8]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,4,6]
        %k = weight : f32[24,8]
        %b = weight : f32[8]
        %0 = dense %x, %k, %b {activation="relu"} : f32[?,8]
        output "y" = %0
      `,
    );
  });

  it('takes the bias from either side of the add, keeps alpha, and makes a bare matmul a dense', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,3]
        %k = weight : f32[3,2]
        %b = weight : f32[2]
        %k2 = weight : f32[2,2]
        %0 = matmul %x, %k : f32[?,2]
        %1 = add %b, %0 : f32[?,2]
        %2 = leaky_relu %1 {alpha=0.3} : f32[?,2]
        %3 = matmul %2, %k2 : f32[?,2]
        %4 = softmax %3 {axis=1} : f32[?,2]
        output "y" = %4
      `,
      ir`
        %x = input : f32[?,3]
        %k = weight : f32[3,2]
        %b = weight : f32[2]
        %k2 = weight : f32[2,2]
        %0 = dense %x, %k, %b {activation="leaky_relu", alpha=0.3} : f32[?,2]
        %1 = dense %0, %k2 {activation="softmax"} : f32[?,2]
        output "y" = %1
      `,
    );
  });

  it('absorbs an activation whose other attributes are their defaults (selu), not one that changes them', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,3]
        %k = weight : f32[3,2]
        %k2 = weight : f32[2,2]
        %0 = matmul %x, %k : f32[?,2]
        %1 = selu %0 : f32[?,2]
        %2 = matmul %1, %k2 : f32[?,2]
        %3 = selu %2 {gamma=3} : f32[?,2]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,3]
        %k = weight : f32[3,2]
        %k2 = weight : f32[2,2]
        %0 = dense %x, %k {activation="selu"} : f32[?,2]
        %1 = dense %0, %k2 : f32[?,2]
        %2 = selu %1 {gamma=3} : f32[?,2]
        output "y" = %2
      `,
    );
  });

  it('does not absorb a product that is read twice or is a graph output', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,3]
        %k = weight : f32[3,2]
        %b = weight : f32[2]
        %0 = matmul %x, %k : f32[?,2]
        %1 = add %0, %b : f32[?,2]
        %2 = relu %1 : f32[?,2]
        %3 = sigmoid %1 : f32[?,2]
        output "raw" = %0
        output "r" = %2
        output "s" = %3
      `,
      ir`
        %x = input : f32[?,3]
        %k = weight : f32[3,2]
        %b = weight : f32[2]
        %0 = dense %x, %k : f32[?,2]
        %1 = add %0, %b : f32[?,2]
        %2 = relu %1 : f32[?,2]
        %3 = sigmoid %1 : f32[?,2]
        output "raw" = %0
        output "r" = %2
        output "s" = %3
      `,
    );
  });

  it('keeps a non-flatten reshape, a non-vector bias (nor residual: it broadcasts) and a softmax over another axis out of the dense', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,45]
        %k = weight : f32[5,3]
        %c = weight : f32[9,3]
        %0 = reshape %x {shape=[9,5]} : f32[?,9,5]
        %1 = matmul %0, %k : f32[?,9,3]
        %2 = add %1, %c : f32[?,9,3]
        %3 = softmax %2 {axis=1} : f32[?,9,3]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,45]
        %k = weight : f32[5,3]
        %c = weight : f32[9,3]
        %0 = reshape %x {shape=[9,5]} : f32[?,9,5]
        %1 = dense %0, %k : f32[?,9,3]
        %2 = add %1, %c : f32[?,9,3]
        %3 = softmax %2 {axis=1} : f32[?,9,3]
        output "y" = %3
      `,
    );
  });

  it('keeps a flatten whose operand already ends in k: dense would keep the extra axis', () => {
    const text = ir`
      %x = input : f32[?,1,3]
      %k = weight : f32[3,2]
      %0 = reshape %x {shape=[3]} : f32[?,3]
      %1 = dense %0, %k : f32[?,2]
      output "y" = %1
    `;
    expectPass(fuse, text, text);
  });

  it('absorbs one flatten into every dense that reads it', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,2,3]
        %k1 = weight : f32[6,2]
        %k2 = weight : f32[6,4]
        %0 = reshape %x {shape=[6]} : f32[?,6]
        %1 = matmul %0, %k1 : f32[?,2]
        %2 = matmul %0, %k2 : f32[?,4]
        output "a" = %1
        output "b" = %2
      `,
      ir`
        %x = input : f32[?,2,3]
        %k1 = weight : f32[6,2]
        %k2 = weight : f32[6,4]
        %0 = dense %x, %k1 : f32[?,2]
        %1 = dense %x, %k2 : f32[?,4]
        output "a" = %0
        output "b" = %1
      `,
    );
  });
});

describe('fuse: computed weights and residuals', () => {
  it('makes a dense of rows times a computed matrix (a training graph: weights are inputs), bias and activation fused in', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4]
        %w = input : f32[4,3]
        %b = input : f32[3]
        %0 = matmul %x, %w : f32[?,3]
        %1 = add %0, %b : f32[?,3]
        %2 = relu %1 : f32[?,3]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,4]
        %w = input : f32[4,3]
        %b = input : f32[3]
        %0 = dense %x, %w, %b {activation="relu"} : f32[?,3]
        output "y" = %0
      `,
    );
  });

  it('keeps a stack of matrices a matmul', () => {
    const text = ir`
      %a = input : f32[?,2,3]
      %b = input : f32[?,3,4]
      %0 = matmul %a, %b : f32[?,2,4]
      output "y" = %0
    `;
    expectPass(fuse, text, text);
  });

  it('adds a residual of the exact type after the activation, from either side of the add', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4]
        %k = weight : f32[4,4]
        %b = weight : f32[4]
        %0 = matmul %x, %k : f32[?,4]
        %1 = add %0, %b : f32[?,4]
        %2 = tanh %1 : f32[?,4]
        %3 = add %x, %2 : f32[?,4]
        %4 = matmul %3, %k : f32[?,4]
        %5 = add %4, %3 : f32[?,4]
        output "y" = %5
      `,
      ir`
        %x = input : f32[?,4]
        %k = weight : f32[4,4]
        %b = weight : f32[4]
        %0 = dense %x, %k, %b, %x {activation="tanh", residual=true} : f32[?,4]
        %1 = dense %0, %k, %0 {residual=true} : f32[?,4]
        output "y" = %1
      `,
    );
  });

  it('absorbs nothing more into a residual dense, and no residual after a softmax, a broadcast operand or a shared product', () => {
    const text = ir`
      %x = input : f32[?,4]
      %k = weight : f32[4,4]
      %b = weight : f32[4]
      %r = input : f32[1,4]
      %0 = dense %x, %k, %x {residual=true} : f32[?,4]
      %1 = add %0, %b : f32[?,4]
      %2 = dense %x, %k {activation="softmax"} : f32[?,4]
      %3 = add %2, %x : f32[?,4]
      %4 = dense %x, %k : f32[?,4]
      %5 = add %4, %r : f32[?,4]
      %6 = dense %x, %k : f32[?,4]
      %7 = add %6, %x : f32[?,4]
      output "a" = %1
      output "b" = %3
      output "c" = %5
      output "d" = %7
      output "e" = %6
    `;
    expectPass(fuse, text, text);
  });
});

describe('fuse: elementwise chains', () => {
  it('composes a chain into one elementwise node with broadcast operands as extra operands', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4]
        %y = input : f32[?,4]
        %s = weight : f32[4]
        %0 = add %x, %y : f32[?,4]
        %1 = mul %0, %s : f32[?,4]
        %2 = tanh %1 : f32[?,4]
        %3 = sub %2, %x : f32[?,4]
        output "z" = %3
      `,
      ir`
        %x = input : f32[?,4]
        %y = input : f32[?,4]
        %s = weight : f32[4]
        %0 = elementwise %x, %y, %s {expr="sub(tanh(mul(add($0,$1),$2)),$0)"} : f32[?,4]
        output "z" = %0
      `,
    );
  });

  it('does not fuse a shared intermediate into its consumers, nor a smaller (broadcast) producer', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4]
        %b = weight : f32[4]
        %0 = relu %x : f32[?,4]
        %1 = sigmoid %b : f32[4]
        %2 = add %0, %1 : f32[?,4]
        %3 = mul %0, %0 : f32[?,4]
        %4 = sub %2, %3 : f32[?,4]
        output "y" = %4
      `,
      ir`
        %x = input : f32[?,4]
        %b = weight : f32[4]
        %0 = relu %x : f32[?,4]
        %1 = sigmoid %b : f32[4]
        %2 = elementwise %0, %1 {expr="sub(add($0,$1),mul($0,$0))"} : f32[?,4]
        output "y" = %2
      `,
    );
  });

  it('copies a one-call producer into each reference, but keeps a costlier one out of a consumer that reads it twice', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,2]
        %y = input : f32[?,2]
        %0 = sub %x, %y : f32[?,2]
        %1 = leaky_relu %0 {alpha=0.1} : f32[?,2]
        %2 = tanh %1 : f32[?,2]
        %3 = swish %2 : f32[?,2]
        output "z" = %3
      `,
      ir`
        %x = input : f32[?,2]
        %y = input : f32[?,2]
        %0 = elementwise %x, %y {expr="tanh(select(sub($0,$1),sub($0,$1),mul(0.1,sub($0,$1))))"} : f32[?,2]
        %1 = swish %0 : f32[?,2]
        output "z" = %1
      `,
    );
  });

  it('fuses into an existing elementwise node and leaves a lone op as it is', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,2]
        %0 = elementwise %x {expr="mul($0,2)"} : f32[?,2]
        %1 = relu %0 : f32[?,2]
        %2 = tanh %x : f32[?,2]
        output "a" = %1
        output "b" = %2
      `,
      ir`
        %x = input : f32[?,2]
        %0 = elementwise %x {expr="max(mul($0,2),0)"} : f32[?,2]
        %1 = tanh %x : f32[?,2]
        output "a" = %0
        output "b" = %1
      `,
    );
  });

  it('computes what the unfused graph computes', () => {
    const weights = new Map([['k', Float32Array.from([0.5, -1, 2, 0.25, -0.75, 1.5])], ['b', Float32Array.from([0.1, -0.2])]]);
    const g = parseGraph(
      ir`
        %x = input : f32[?,3,1]
        %k = weight : f32[3,2]
        %b = weight : f32[2]
        %0 = reshape %x {shape=[3]} : f32[?,3]
        %1 = matmul %0, %k : f32[?,2]
        %2 = add %1, %b : f32[?,2]
        %3 = elu %2 {alpha=0.5} : f32[?,2]
        %4 = mul %3, %3 : f32[?,2]
        %5 = swish %4 : f32[?,2]
        output "y" = %5
      `,
      { weights },
    );
    const fused = fuse(g);
    expect(fused.nodes.map((n) => n.op)).toEqual(['input', 'weight', 'weight', 'dense', 'elementwise']);
    const x = tensor([2, 3, 1], [1, -2, 3, -0.5, 0.25, 4]);
    expect(maxAbsDiff(interpret(fused, { x }).y!.data, interpret(g, { x }).y!.data)).toBeLessThanOrEqual(1e-6);
  });
});
