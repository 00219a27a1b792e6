/**
 * fold-batch-norm: IR text in, IR text out, and the folded graph's outputs equal the unfolded
 * graph's (reference interpreter, seeded weights and inputs) within 1e-5.
 */
import { describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { foldBatchNorm } from '../../src/passes/fold-batch-norm.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { expectPass, ir } from './pass-case.js';

/** Seeded data for every weight of the text; variances (names ending in `v`) in [0.25, 2). */
function weightsOf(text: string, seed = 5): Map<string, Float32Array> {
  const rng = new Random(seed);
  const weights = new Map<string, Float32Array>();
  for (const n of parseGraph(text, { weights: new Map() }).weightNodes) {
    const size = n.type.shape.reduce<number>((a, d) => a * (d as number), 1);
    weights.set(n.name!, Float32Array.from({ length: size }, () => (n.name!.endsWith('v') ? rng.uniform(0.25, 2) : rng.uniform(-1, 1))));
  }
  return weights;
}

function expectSameOutputs(before: Graph, after: Graph): void {
  for (const batch of [1, 5]) {
    const { tensors } = randomInputs(before, batch, batch);
    const want = interpret(before, tensors);
    const got = interpret(after, tensors);
    for (const o of before.outputs) expect(maxAbsDiff(got[o.name]!.data, want[o.name]!.data), o.name).toBeLessThanOrEqual(1e-5);
  }
}

function foldCase(input: string, expected: string): void {
  const weights = weightsOf(input);
  const after = expectPass(foldBatchNorm, input, expected, weights);
  expectSameOutputs(parseGraph(input, { weights }), after);
}

describe('fold-batch-norm', () => {
  it('folds into a conv2d and its bias add', () => {
    foldCase(
      ir`
        %x = input : f32[?,5,5,2]
        %k = weight : f32[3,3,2,4]
        %b = weight : f32[4]
        %m = weight : f32[4]
        %v = weight : f32[4]
        %g = weight : f32[4]
        %beta = weight : f32[4]
        %0 = conv2d %x, %k {padding="same"} : f32[?,5,5,4]
        %1 = add %b, %0 : f32[?,5,5,4]
        %2 = batch_norm %1, %m, %v, %g, %beta : f32[?,5,5,4]
        %3 = relu %2 : f32[?,5,5,4]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,5,5,2]
        %k.batch_norm = weight : f32[3,3,2,4]
        %0 = conv2d %x, %k.batch_norm {padding="same"} : f32[?,5,5,4]
        %b.batch_norm = weight : f32[4]
        %1 = add %0, %b.batch_norm : f32[?,5,5,4]
        %2 = relu %1 : f32[?,5,5,4]
        output "y" = %2
      `,
    );
  });

  it('gives a matmul without bias an add of the folded bias; center and scale false', () => {
    foldCase(
      ir`
        %x = input : f32[?,6]
        %w = weight : f32[6,3]
        %m = weight : f32[3]
        %v = weight : f32[3]
        %0 = matmul %x, %w : f32[?,3]
        %1 = batch_norm %0, %m, %v {center=false, epsilon=0.01, scale=false} : f32[?,3]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,6]
        %w.batch_norm = weight : f32[6,3]
        %w.bias.batch_norm = weight : f32[3]
        %0 = matmul %x, %w.batch_norm : f32[?,3]
        %1 = add %0, %w.bias.batch_norm : f32[?,3]
        output "y" = %1
      `,
    );
  });

  it('folds into the bias operand of a fused conv2d (scale only)', () => {
    foldCase(
      ir`
        %x = input : f32[?,4,4,3]
        %k = weight : f32[1,1,3,2]
        %b = weight : f32[2]
        %m = weight : f32[2]
        %v = weight : f32[2]
        %g = weight : f32[2]
        %0 = conv2d %x, %k, %b : f32[?,4,4,2]
        %1 = batch_norm %0, %m, %v, %g {center=false} : f32[?,4,4,2]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,4,4,3]
        %k.batch_norm = weight : f32[1,1,3,2]
        %b.batch_norm = weight : f32[2]
        %0 = conv2d %x, %k.batch_norm, %b.batch_norm : f32[?,4,4,2]
        output "y" = %0
      `,
    );
  });

  it('leaves a batch norm whose product is read elsewhere, has an activation, or has a computed kernel', () => {
    const cases = [
      ir`
        %x = input : f32[?,6]
        %w = weight : f32[6,3]
        %m = weight : f32[3]
        %v = weight : f32[3]
        %g = weight : f32[3]
        %beta = weight : f32[3]
        %0 = matmul %x, %w : f32[?,3]
        %1 = batch_norm %0, %m, %v, %g, %beta : f32[?,3]
        output "y" = %1
        output "z" = %0
      `,
      ir`
        %x = input : f32[?,4,4,3]
        %k = weight : f32[1,1,3,2]
        %m = weight : f32[2]
        %v = weight : f32[2]
        %g = weight : f32[2]
        %beta = weight : f32[2]
        %0 = conv2d %x, %k {activation="relu"} : f32[?,4,4,2]
        %1 = batch_norm %0, %m, %v, %g, %beta : f32[?,4,4,2]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,6]
        %w = input : f32[6,3]
        %m = weight : f32[3]
        %v = weight : f32[3]
        %g = weight : f32[3]
        %beta = weight : f32[3]
        %0 = matmul %x, %w : f32[?,3]
        %1 = batch_norm %0, %m, %v, %g, %beta : f32[?,3]
        output "y" = %1
      `,
    ];
    for (const text of cases) expectPass(foldBatchNorm, text, text, weightsOf(text));
  });

  it('leaves a batch norm whose statistics are inputs (a training step reads them as state)', () => {
    const text = ir`
      %x = input : f32[?,6]
      %w = weight : f32[6,3]
      %m = input : f32[3]
      %v = input : f32[3]
      %g = weight : f32[3]
      %beta = weight : f32[3]
      %0 = matmul %x, %w : f32[?,3]
      %1 = batch_norm %0, %m, %v, %g, %beta : f32[?,3]
      output "y" = %1
    `;
    expectPass(foldBatchNorm, text, text, weightsOf(text));
  });
});
