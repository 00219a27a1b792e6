import { describe, expect, it } from 'vitest';
import { optimize } from '../../src/passes/index.js';
import { fuse } from '../../src/passes/fuse.js';
import { CONV_CASES } from '../conv/conv2d-models.js';
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

  it('absorbs a residual add (either side) after the bias and activation, as for dense', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,5,5,3]
        %k = weight : f32[3,3,3,3]
        %b = weight : f32[3]
        %0 = conv2d %x, %k {padding="same"} : f32[?,5,5,3]
        %1 = add %0, %b : f32[?,5,5,3]
        %2 = relu %1 : f32[?,5,5,3]
        %3 = add %x, %2 : f32[?,5,5,3]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,5,5,3]
        %k = weight : f32[3,3,3,3]
        %b = weight : f32[3]
        %0 = conv2d %x, %k, %b, %x {activation="relu", padding="same", residual=true} : f32[?,5,5,3]
        output "y" = %0
      `,
    );
  });

  it('leaves an add that broadcasts, a second residual and a residual after softmax as nodes', () => {
    expectPass(
      fuse,
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[1,1,2,2]
        %r = weight : f32[4,2]
        %0 = conv2d %x, %k : f32[?,4,4,2]
        %1 = add %0, %r : f32[?,4,4,2]
        %2 = conv2d %x, %k : f32[?,4,4,2]
        %3 = add %2, %x : f32[?,4,4,2]
        %4 = add %3, %x : f32[?,4,4,2]
        %5 = conv2d %x, %k {activation="softmax"} : f32[?,4,4,2]
        %6 = add %5, %x : f32[?,4,4,2]
        output "a" = %1
        output "b" = %4
        output "c" = %6
      `,
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[1,1,2,2]
        %r = weight : f32[4,2]
        %0 = conv2d %x, %k : f32[?,4,4,2]
        %1 = add %0, %r : f32[?,4,4,2]
        %2 = conv2d %x, %k, %x {residual=true} : f32[?,4,4,2]
        %3 = add %2, %x : f32[?,4,4,2]
        %4 = conv2d %x, %k {activation="softmax"} : f32[?,4,4,2]
        %5 = add %4, %x : f32[?,4,4,2]
        output "a" = %1
        output "b" = %3
        output "c" = %5
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

  it("folds a Keras residual block's Add into the second conv2d (the golden case's compiled graph)", () => {
    const block = CONV_CASES.find((c) => c.name.startsWith('residual block'))!.make().toGraph();
    const ops = optimize(block).nodes.filter((n) => n.op !== 'input' && n.op !== 'weight');
    expect(ops.map((n) => `${n.op} ${String(n.attrs.activation)} ${String(n.attrs.residual)}`)).toEqual(['conv2d relu false', 'conv2d linear true']);
    expect(ops[1]!.inputs.at(-1)!.op).toBe('input');
  });
});
