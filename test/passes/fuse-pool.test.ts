import { describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { tensor } from '../../src/ir/tensor.js';
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

describe('fuse: an elementwise consumer into max_pool2d_grad', () => {
  it("makes relu's derivative after a tiling pooling (an elementwise chain) the gradient's epilogue; the values stay the interpreter's", () => {
    const before = ir`
        %x = input : f32[?,4,6,3]
        %dy = input : f32[?,2,3,3]
        %0 = max_pool2d_grad %x, %dy : f32[?,4,6,3]
        %1 = elementwise %x {expr="select($0,1,0)"} : f32[?,4,6,3]
        %2 = mul %0, %1 : f32[?,4,6,3]
        output "dx" = %2
      `;
    const after = expectPass(
      fuse,
      before,
      ir`
        %x = input : f32[?,4,6,3]
        %dy = input : f32[?,2,3,3]
        %0 = max_pool2d_grad %x, %dy {epilogue="mul($1,select($0,1,0))"} : f32[?,4,6,3]
        output "dx" = %0
      `,
    );
    const rng = new Random(3);
    const feeds = {
      x: tensor([2, 4, 6, 3], Float32Array.from({ length: 144 }, () => rng.uniform(-1, 1))),
      dy: tensor([2, 2, 3, 3], Float32Array.from({ length: 36 }, () => rng.uniform(-1, 1))),
    };
    const want = interpret(parseGraph(before), feeds).dx!.data;
    expect(Array.from(interpret(after, feeds).dx!.data)).toEqual(Array.from(want));
    expect(want.some((v) => v === 0) && want.some((v) => v !== 0)).toBe(true);
  });

  it('leaves the consumer a node where the windows do not tile x, it reads another value, or the gradient has another use', () => {
    for (const graph of [
      // 5 rows in windows of 2: the last row is in none.
      ir`
        %x = input : f32[?,5,4,2]
        %dy = input : f32[?,2,2,2]
        %0 = max_pool2d_grad %x, %dy : f32[?,5,4,2]
        %1 = elementwise %x, %0 {expr="mul($1,select($0,1,0))"} : f32[?,5,4,2]
        output "dx" = %1
      `,
      ir`
        %x = input : f32[?,4,4,2]
        %z = input : f32[?,4,4,2]
        %dy = input : f32[?,2,2,2]
        %0 = max_pool2d_grad %x, %dy : f32[?,4,4,2]
        %1 = elementwise %z, %0 {expr="mul($1,select($0,1,0))"} : f32[?,4,4,2]
        output "dx" = %1
      `,
      ir`
        %x = input : f32[?,4,4,2]
        %dy = input : f32[?,2,2,2]
        %0 = max_pool2d_grad %x, %dy : f32[?,4,4,2]
        %1 = elementwise %x, %0 {expr="mul($1,select($0,1,0))"} : f32[?,4,4,2]
        output "dx" = %1
        output "routed" = %0
      `,
    ])
      expectPass(fuse, graph, graph);
  });
});
