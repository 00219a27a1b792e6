import { describe, it } from 'vitest';
import { fuse } from '../../src/passes/fuse.js';
import { expectPass, ir } from './pass-case.js';

describe('fuse: depthwise_conv2d (an epilogue op like conv2d)', () => {
  it('absorbs a [c·m] bias add (either side) and a relu6 into the depthwise_conv2d', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[3,3,2,3]
        %b = weight : f32[6]
        %0 = depthwise_conv2d %x, %k {strides=[2,2], padding="same"} : f32[?,3,3,6]
        %1 = add %b, %0 : f32[?,3,3,6]
        %2 = relu6 %1 : f32[?,3,3,6]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[3,3,2,3]
        %b = weight : f32[6]
        %0 = depthwise_conv2d %x, %k, %b {activation="relu6", padding="same", strides=[2,2]} : f32[?,3,3,6]
        output "y" = %0
      `,
    );
  });

  it('leaves a bias add alone when the depthwise result is also an output', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[1,1,2,1]
        %b = weight : f32[2]
        %0 = depthwise_conv2d %x, %k : f32[?,4,4,2]
        %1 = add %0, %b : f32[?,4,4,2]
        output "y" = %1
        output "d" = %0
      `,
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[1,1,2,1]
        %b = weight : f32[2]
        %0 = depthwise_conv2d %x, %k : f32[?,4,4,2]
        %1 = add %0, %b : f32[?,4,4,2]
        output "y" = %1
        output "d" = %0
      `,
    );
  });
});
