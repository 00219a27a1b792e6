import { describe, it } from 'vitest';
import { fuse } from '../../src/passes/fuse.js';
import { expectPass, ir } from './pass-case.js';

describe('fuse: conv2d', () => {
  it('absorbs a [filters] bias add (either side) and the activation into the conv2d', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[3,3,2,4]
        %b = weight : f32[4]
        %0 = conv2d %x, %k {strides=[2,2], padding="same"} : f32[?,3,3,4]
        %1 = add %b, %0 : f32[?,3,3,4]
        %2 = leaky_relu %1 {alpha=0.1} : f32[?,3,3,4]
        output "y" = %2
      `,
      ir`
        %x = input : f32[?,6,6,2]
        %k = weight : f32[3,3,2,4]
        %b = weight : f32[4]
        %0 = conv2d %x, %k, %b {activation="leaky_relu", alpha=0.1, padding="same", strides=[2,2]} : f32[?,3,3,4]
        output "y" = %0
      `,
    );
  });

  it('keeps the activation of a conv2d that is read twice out of its epilogue', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[1,1,2,2]
        %0 = conv2d %x, %k : f32[?,4,4,2]
        %1 = relu %0 : f32[?,4,4,2]
        output "y" = %1
        output "c" = %0
      `,
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[1,1,2,2]
        %0 = conv2d %x, %k : f32[?,4,4,2]
        %1 = relu %0 : f32[?,4,4,2]
        output "y" = %1
        output "c" = %0
      `,
    );
  });
});
