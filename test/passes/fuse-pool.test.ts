import { describe, it } from 'vitest';
import { fuse } from '../../src/passes/fuse.js';
import { expectPass, ir } from './pass-case.js';

describe('fuse: pooling into conv2d', () => {
  it('folds a max_pool2d after the bias and activation into the conv2d as its pool epilogue', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,9,9,1]
        %k = weight : f32[3,3,1,4]
        %b = weight : f32[4]
        %0 = conv2d %x, %k : f32[?,7,7,4]
        %1 = add %0, %b : f32[?,7,7,4]
        %2 = relu %1 : f32[?,7,7,4]
        %3 = max_pool2d %2 {pool=[3,3], strides=[2,2], padding="same"} : f32[?,4,4,4]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,9,9,1]
        %k = weight : f32[3,3,1,4]
        %b = weight : f32[4]
        %0 = conv2d %x, %k, %b {activation="relu", pool="max_pool2d", poolPadding="same", poolWindow=[3,3]} : f32[?,4,4,4]
        output "y" = %0
      `,
    );
  });

  it('folds an avg_pool2d into a linear conv2d', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[1,1,2,3]
        %0 = conv2d %x, %k : f32[?,6,6,3]
        %1 = avg_pool2d %0 {pool=[2,2], strides=[1,1]} : f32[?,5,5,3]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[1,1,2,3]
        %0 = conv2d %x, %k {pool="avg_pool2d", poolStrides=[1,1]} : f32[?,5,5,3]
        output "y" = %0
      `,
    );
  });

  it('keeps the pooling a node where the unpooled value has another use (a training graph, an output)', () => {
    const graph = ir`
        %x = input : f32[?,6,6,1]
        %k = weight : f32[3,3,1,2]
        %0 = conv2d %x, %k {activation="relu"} : f32[?,4,4,2]
        %1 = max_pool2d %0 : f32[?,2,2,2]
        %2 = max_pool2d_grad %0, %1 : f32[?,4,4,2]
        output "y" = %1
        output "g" = %2
      `;
    expectPass(fuse, graph, graph);
  });

  it('takes nothing after the pool into the epilogue, and pools nothing after a residual', () => {
    const graph = ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[3,3,2,2]
        %0 = conv2d %x, %k, %x {padding="same", residual=true} : f32[?,6,6,2]
        %1 = max_pool2d %0 : f32[?,3,3,2]
        output "y" = %1
      `;
    expectPass(fuse, graph, graph);
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[3,3,2,2]
        %b = weight : f32[2]
        %0 = conv2d %x, %k : f32[?,4,4,2]
        %1 = max_pool2d %0 : f32[?,2,2,2]
        %2 = add %1, %b : f32[?,2,2,2]
        %3 = relu %2 : f32[?,2,2,2]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[3,3,2,2]
        %b = weight : f32[2]
        %0 = conv2d %x, %k {pool="max_pool2d"} : f32[?,2,2,2]
        %1 = elementwise %0, %b {expr="max(add($0,$1),0)"} : f32[?,2,2,2]
        output "y" = %1
      `,
    );
  });
});
