/**
 * fold-batch-norm: IR text in, IR text out, and the folded graph's outputs equal the unfolded
 * graph's (reference interpreter, seeded weights and inputs) within 1e-5. Keras-style models with
 * a batch norm after a depthwise or transposed convolution: the optimized graph keeps no pass
 * over memory for the batch norm, and the interpreter before and after the passes and the wasm
 * bundle (every build) equal tfjs within 1e-5 of the output's scale (as the golden tests).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Random } from '../../src/frontend/random.js';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { isElementwiseOp } from '../../src/ir/traits.js';
import { foldBatchNorm } from '../../src/passes/fold-batch-norm.js';
import { optimize } from '../../src/passes/index.js';
import { expectClose } from '../helpers/model-golden.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { tfjsPredict, tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWasmBundle, loadEveryBuild, outputsByName, predictArgument } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';
import { FOLD_CASES } from './fold-batch-norm-models.js';
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

  it('folds into a depthwise_conv2d with multiplier 2 (output channel c·m + q: the kernel\'s last two axes) and its bias add', () => {
    foldCase(
      ir`
        %x = input : f32[?,5,5,2]
        %k = weight : f32[3,3,2,2]
        %b = weight : f32[4]
        %m = weight : f32[4]
        %v = weight : f32[4]
        %g = weight : f32[4]
        %beta = weight : f32[4]
        %0 = depthwise_conv2d %x, %k {padding="same"} : f32[?,5,5,4]
        %1 = add %0, %b : f32[?,5,5,4]
        %2 = batch_norm %1, %m, %v, %g, %beta : f32[?,5,5,4]
        %3 = relu6 %2 : f32[?,5,5,4]
        output "y" = %3
      `,
      ir`
        %x = input : f32[?,5,5,2]
        %k.batch_norm = weight : f32[3,3,2,2]
        %0 = depthwise_conv2d %x, %k.batch_norm {padding="same"} : f32[?,5,5,4]
        %b.batch_norm = weight : f32[4]
        %1 = add %0, %b.batch_norm : f32[?,5,5,4]
        %2 = relu6 %1 : f32[?,5,5,4]
        output "y" = %2
      `,
    );
  });

  it('folds into the bias operand of a depthwise_conv2d (multiplier 1)', () => {
    foldCase(
      ir`
        %x = input : f32[?,4,4,3]
        %k = weight : f32[3,3,3,1]
        %b = weight : f32[3]
        %m = weight : f32[3]
        %v = weight : f32[3]
        %g = weight : f32[3]
        %beta = weight : f32[3]
        %0 = depthwise_conv2d %x, %k, %b : f32[?,2,2,3]
        %1 = batch_norm %0, %m, %v, %g, %beta : f32[?,2,2,3]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,4,4,3]
        %k.batch_norm = weight : f32[3,3,3,1]
        %b.batch_norm = weight : f32[3]
        %0 = depthwise_conv2d %x, %k.batch_norm, %b.batch_norm : f32[?,2,2,3]
        output "y" = %0
      `,
    );
  });

  it('folds into a conv2d_grad_input (output channel: kernel axis 2), keeping its shape operand and adding the bias', () => {
    foldCase(
      ir`
        %dy = input : f32[?,3,3,2]
        %x = input : f32[?,5,5,4]
        %k = weight : f32[3,3,4,2]
        %m = weight : f32[4]
        %v = weight : f32[4]
        %g = weight : f32[4]
        %beta = weight : f32[4]
        %0 = conv2d_grad_input %dy, %k, %x {padding="same", strides=[2,2]} : f32[?,5,5,4]
        %1 = batch_norm %0, %m, %v, %g, %beta : f32[?,5,5,4]
        output "y" = %1
      `,
      ir`
        %dy = input : f32[?,3,3,2]
        %x = input : f32[?,5,5,4]
        %k.batch_norm = weight : f32[3,3,4,2]
        %k.bias.batch_norm = weight : f32[4]
        %0 = conv2d_grad_input %dy, %k.batch_norm, %x {padding="same", strides=[2,2]} : f32[?,5,5,4]
        %1 = add %0, %k.bias.batch_norm : f32[?,5,5,4]
        output "y" = %1
      `,
    );
  });

  it('leaves a depthwise or transposed convolution with a computed kernel, a fused activation, or a batch norm over another axis', () => {
    const cases = [
      ir`
        %x = input : f32[?,4,4,2]
        %k = input : f32[3,3,2,1]
        %m = weight : f32[2]
        %v = weight : f32[2]
        %0 = depthwise_conv2d %x, %k {padding="same"} : f32[?,4,4,2]
        %1 = batch_norm %0, %m, %v {center=false, scale=false} : f32[?,4,4,2]
        output "y" = %1
      `,
      ir`
        %dy = input : f32[?,3,3,2]
        %k = input : f32[2,2,3,2]
        %m = weight : f32[3]
        %v = weight : f32[3]
        %0 = conv2d_grad_input %dy, %k {size=[6,6], strides=[2,2]} : f32[?,6,6,3]
        %1 = batch_norm %0, %m, %v {center=false, scale=false} : f32[?,6,6,3]
        output "y" = %1
      `,
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[3,3,2,1]
        %m = weight : f32[2]
        %v = weight : f32[2]
        %0 = depthwise_conv2d %x, %k {activation="relu6", padding="same"} : f32[?,4,4,2]
        %1 = batch_norm %0, %m, %v {center=false, scale=false} : f32[?,4,4,2]
        output "y" = %1
      `,
      // Over axis 1 (statistics [4,1,1], as the layout pass leaves a transposed batch norm), though it has as many rows as channels.
      ir`
        %x = input : f32[?,4,4,2]
        %k = weight : f32[3,3,2,2]
        %m = weight : f32[4,1,1]
        %v = weight : f32[4,1,1]
        %0 = depthwise_conv2d %x, %k {padding="same"} : f32[?,4,4,4]
        %1 = batch_norm %0, %m, %v {center=false, scale=false} : f32[?,4,4,4]
        output "y" = %1
      `,
    ];
    for (const text of cases) expectPass(foldBatchNorm, text, text, weightsOf(text));
  });

  it('leaves a batch norm over axis 1 after a depthwise_conv2d with as many rows as channels, once layout has moved it between the transposes', () => {
    const text = ir`
      %x = input : f32[?,4,4,2]
      %k = weight : f32[3,3,2,2]
      %m = weight : f32[4]
      %v = weight : f32[4]
      %0 = depthwise_conv2d %x, %k {padding="same"} : f32[?,4,4,4]
      %1 = transpose %0 {perm=[0,3,2,1]} : f32[?,4,4,4]
      %2 = batch_norm %1, %m, %v {center=false, scale=false} : f32[?,4,4,4]
      %3 = transpose %2 {perm=[0,3,2,1]} : f32[?,4,4,4]
      output "y" = %3
    `;
    const before = parseGraph(text, { weights: weightsOf(text) });
    const after = optimize(before, { verify: true, passes: ['canonicalize', 'fold-constants', 'layout', 'fold-batch-norm'] });
    expect(after.nodes.find((n) => n.op === 'batch_norm')?.inputs.map((i) => i.type.shape)).toEqual([[null, 4, 4, 4], [4, 1, 1], [4, 1, 1]]);
    expectSameOutputs(before, after);
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

describe.each(FOLD_CASES)('fold-batch-norm vs tfjs: $name', ({ make, product, epilogue }) => {
  beforeAll(() => tfjsReady());
  afterAll(removeTempDirs);
  const model = make();
  const graph = model.toGraph();
  const optimized = optimize(graph, { verify: true });
  const name = model.outputNames[0]!;

  it(`the batch norm is folded into the ${product} kernel, leaving no pass over memory for it`, () => {
    expect(optimized.nodes.some((n) => n.op === 'batch_norm')).toBe(false);
    const folded = optimized.nodes.find((n) => n.op === product)!;
    expect(folded.inputs[1]!.name).toMatch(/\.batch_norm$/);
    const elementwise = optimized.nodes.filter((n) => isElementwiseOp(n.op));
    if (epilogue) {
      // The folded bias and the activation run in the depthwise kernel's epilogue.
      expect(elementwise).toEqual([]);
      expect([folded.inputs.length, folded.attrs.activation]).toEqual([3, epilogue]);
    } else {
      // conv2d_grad_input has no epilogue: one elementwise adds the folded bias (and activates), reading nothing of the batch norm's.
      expect(elementwise.map((n) => n.inputs.map((i) => i.op))).toEqual([[product, 'weight']]);
    }
  });

  it('the interpreter before and after the passes, and the wasm bundle, equal tfjs', async () => {
    const builds = await loadEveryBuild(await (await buildWasmBundle(graph)).import());
    for (const batch of [1, 7]) {
      const { tensors, flat } = randomInputs(graph, batch, batch);
      const want = (await tfjsPredict(model, flat, batch))[name]!;
      expectClose(interpret(graph, tensors)[name]!.data, want, `interpreter before, batch ${batch}`);
      expectClose(interpret(optimized, tensors)[name]!.data, want, `interpreter after, batch ${batch}`);
      for (const { name: build, model: wasm } of builds) expectClose(outputsByName(wasm.predict(predictArgument(flat), batch), wasm.outputNames)[name]!, want, `${build}, batch ${batch}`);
    }
  });
});
