import { describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/frontend/loader.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { optimize } from '../../src/passes/index.js';
import { scheduleReductions } from '../../src/passes/schedule.js';
import { Trainer } from '../../src/train/trainer.js';
import { randomInputs } from '../helpers/random-inputs.js';
import { expectPass, ir } from './pass-case.js';

describe('schedule', () => {
  it('runs each batch reduction (a bias sum, a weight-gradient product and its running sum) right after its operands', () => {
    const source = ir`
        %x0 = input : f32[?,3]
        %x1 = input : f32[?,3]
        %g1 = input : f32[?,4]
        %0 = tanh %g1 : f32[?,4]
        %1 = mul %0, %0 : f32[?,4]
        %2 = sigmoid %1 : f32[?,4]
        %3 = matmul_tn %x1, %0 : f32[3,4]
        %4 = reduce_sum %0 {axes=[0]} : f32[4]
        %5 = matmul_tn %x0, %2, %3 : f32[3,4]
        %6 = reduce_sum %2 {axes=[0]} : f32[4]
        %7 = add %4, %6 : f32[4]
        output "dw" = %5
        output "db" = %7
        output "y" = %2
      `;
    const after = expectPass(
      scheduleReductions,
      source,
      ir`
        %x0 = input : f32[?,3]
        %x1 = input : f32[?,3]
        %g1 = input : f32[?,4]
        %0 = tanh %g1 : f32[?,4]
        %1 = matmul_tn %x1, %0 : f32[3,4]
        %2 = reduce_sum %0 {axes=[0]} : f32[4]
        %3 = mul %0, %0 : f32[?,4]
        %4 = sigmoid %3 : f32[?,4]
        %5 = matmul_tn %x0, %4, %1 : f32[3,4]
        %6 = reduce_sum %4 {axes=[0]} : f32[4]
        %7 = add %2, %6 : f32[4]
        output "dw" = %5
        output "db" = %7
        output "y" = %4
      `,
    );
    const inputs = randomInputs(after, 5, 3).tensors;
    expect(interpret(after, inputs)).toEqual(interpret(parseGraph(source), inputs));
    const unchanged = parseGraph(`
      %x = input : f32[?,3]
      %y = tanh %x : f32[?,3]
      output "y" = %y`);
    expect(scheduleReductions(unchanged)).toBe(unchanged);
  });

  it('leaves a reduction of an input, of an unbatched value, and every other node where they are', () => {
    const text = ir`
      %x = input : f32[?,3]
      %w = input : f32[3,3]
      %0 = tanh %x : f32[?,3]
      %1 = tanh %w : f32[3,3]
      %2 = reduce_sum %x {axes=[0]} : f32[3]
      %3 = reduce_sum %1 {axes=[0]} : f32[3]
      %4 = add %2, %3 : f32[3]
      output "s" = %4
      output "t" = %0
    `;
    expectPass(scheduleReductions, text, text);
  });

  it("in the LSTM example's training step, each step's bias sum and input-kernel product follow the gate gradients they read", () => {
    const model = loadModelFile('examples/fashion-mnist-lstm/model.ts', { typeCheck: false }).model;
    const step = optimize(new Trainer(model.toGraph(), model.trainingConfig!).graphs.train);
    const position = new Map(step.nodes.map((n, i) => [n, i]));
    const gates = (n: (typeof step.nodes)[number]) => n.inputs.find((x) => x.op === 'concat');
    const sums = step.nodes.filter((n) => n.op === 'reduce_sum' && gates(n));
    const products = step.nodes.filter((n) => n.op === 'matmul_tn' && n.type.shape[0] === 28 && gates(n));
    expect([sums.length, products.length]).toEqual([28, 28]);
    for (const n of [...sums, ...products]) expect(position.get(n)! - position.get(gates(n)!)!).toBeLessThanOrEqual(4);
  });
});
