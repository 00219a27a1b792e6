/**
 * BatchNormalization at inference against tfjs (cpu) with the same weights and moving statistics,
 * after dense and conv2d layers, with center / scale off, through the reference interpreter, the
 * wasm bundle (relaxed-SIMD, SIMD128 and scalar builds) and the WebGPU bundle, at batch 1, 7 and
 * 64 (expectBackendsMatchTfjs). The bundles run the optimized graph, where the fold pass has
 * merged each batch norm into the product before it.
 * Tolerance: 1e-5 of the output's scale (its largest magnitude, at least 1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optimize } from '../../src/passes/index.js';
import { expectBackendsMatchTfjs } from '../helpers/backends-vs-tfjs.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { removeTempDirs } from '../wasm/temp.js';
import { BN_CASES } from './batch-norm-models.js';

const RELATIVE = 1e-5;
const BATCHES = [1, 7, 64];

describe.each(BN_CASES)('batch normalization: $name', ({ make, folds }) => {
  beforeAll(() => tfjsReady());
  afterAll(removeTempDirs);
  const model = make();
  const graph = model.toGraph();

  it(`the optimized graph ${folds ? 'has the batch norm folded away' : 'keeps the batch norm (an elementwise kernel)'}`, () => {
    expect(optimize(graph).nodes.some((n) => n.op === 'batch_norm' || (n.op === 'elementwise' && n.inputs.length >= 3))).toBe(!folds);
  });

  it('the interpreter, the wasm bundle (relaxed SIMD, SIMD128 and scalar) and the WebGPU bundle equal tfjs', async () => {
    await expectBackendsMatchTfjs(model, BATCHES, RELATIVE);
  });
});
