import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { randomInputs } from '../helpers/random-inputs.js';
import { buildWasmBundle, outputsByName, predictArgument } from './bundle-helpers.js';
import { buildName, MADD_BUILDS, moduleError, type Build } from './harness.js';
import { compileWasm } from '../../src/codegen/wasm/module.js';

/**
 * Every form of the one GEMM generator against the reference interpreter: constant (packed) and
 * computed (in place) B, transposed A and B, column tails, row tails, k static and k = the batch
 * rows, constant and computed bias, activations in and after the tile, residual adds. The SIMD128,
 * relaxed-SIMD (fused multiply-add) and scalar modules; error at most 1e-5 of the output's scale.
 */
const TOLERANCE = 1e-5;
const ROWS = [1, 3, 4, 5, 33];
const COLUMNS = [1, 3, 8, 10, 13, 130];

/** Seeded weights in [-0.5, 0.5) for every `weight` line of the text. */
function withWeights(text: string): Graph {
  const shapes = [...text.matchAll(/%(\S+) = weight : f32\[([\d,]+)\]/g)];
  let s = 11;
  const next = () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
  const weights = new Map(shapes.map(([, name, dims]) => [name!, Float32Array.from({ length: dims!.split(',').reduce((p, d) => p * Number(d), 1) }, next)]));
  return parseGraph(text, { weights });
}

/** Largest |wasm - interpreter| over all outputs, relative to the largest |expected| (at least 1). */
const relativeError = (graph: Graph, batch: number, build: Build) => moduleError(graph, batch, build, batch, true);

async function expectMatches(text: string, rows: readonly number[] = ROWS): Promise<void> {
  const graph = withWeights(text);
  for (const build of MADD_BUILDS)
    for (const batch of rows) expect(await relativeError(graph, batch, build), `${buildName(build)}, batch ${batch}:\n${text}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('GEMM: B constant or computed, every column tail and row tail', () => {
  for (const n of COLUMNS) {
    it(`dense with constant w and bias, relu, n = ${n}`, async () => {
      await expectMatches(`
        %x = input : f32[?,19]
        %w = weight : f32[19,${n}]
        %b = weight : f32[${n}]
        %0 = dense %x, %w, %b {activation="relu"} : f32[?,${n}]
        output "y" = %0`);
    });
    it(`dense with computed w and bias, a residual, n = ${n}`, async () => {
      await expectMatches(`
        %x = input : f32[?,19]
        %w = input : f32[19,${n}]
        %b = input : f32[${n}]
        %r = input : f32[?,${n}]
        %0 = dense %x, %w, %b, %r {activation="leaky_relu", alpha=0.2, residual=true} : f32[?,${n}]
        output "y" = %0`);
    });
    it(`matmul_nt by a computed and a constant [n, k], n = ${n}`, async () => {
      await expectMatches(`
        %x = input : f32[?,7]
        %w = input : f32[${n},7]
        %c = weight : f32[${n},7]
        %0 = matmul_nt %x, %w : f32[?,${n}]
        %1 = matmul_nt %x, %c : f32[?,${n}]
        output "y" = %0
        output "z" = %1`);
    });
    it(`matmul_tn contracting the batch rows (k = batch), n = ${n}`, async () => {
      await expectMatches(`
        %x = input : f32[?,${n}]
        %dy = input : f32[?,6]
        %0 = matmul_tn %x, %dy : f32[${n},6]
        %1 = matmul_tn %dy, %x : f32[6,${n}]
        output "y" = %0
        output "z" = %1`);
    });
  }
});

describe('GEMM: fused multiply-adds', () => {
  it('a relaxed-SIMD build fuses the tiles\' multiply-adds; the SIMD128 and scalar builds keep a multiply and an add', () => {
    const graph = withWeights(`
      %x = input : f32[?,24]
      %w = weight : f32[24,16]
      %y = dense %x, %w : f32[?,16]
      output "y" = %y`);
    const count = (text: string, op: string) => text.split(op).length - 1;
    const relaxed = compileWasm(graph, { simd: true, weights: 'embedded', relaxedSimd: true }, true).text!;
    const plain = compileWasm(graph, { simd: true, weights: 'embedded' }, true).text!;
    const scalar = compileWasm(graph, { simd: false, weights: 'embedded', relaxedSimd: true }, true).text!;
    expect(count(relaxed, 'f32x4.relaxed_madd')).toBeGreaterThan(0);
    expect(count(relaxed, 'f32x4.mul')).toBe(0);
    expect(count(plain, 'f32x4.relaxed_madd')).toBe(0);
    expect(count(plain, 'f32x4.mul')).toBeGreaterThan(0);
    expect(count(scalar, 'relaxed')).toBe(0);
  });
});

describe('GEMM: computed B packed at run time', () => {
  it('matmul_tn packs b in chunks of 64 rows: one, several, a short last one, with and without an accumulator', async () => {
    await expectMatches(
      `
      %x = input : f32[?,12]
      %dy = input : f32[?,21]
      %acc = input : f32[12,21]
      %0 = matmul_tn %x, %dy : f32[12,21]
      %1 = matmul_tn %x, %dy, %acc : f32[12,21]
      %2 = matmul_tn %dy, %x, %0 : f32[21,12]
      output "y" = %0
      output "z" = %1
      output "w" = %2`,
      [0, 1, 8, 64, 65, 150],
    );
  });

  it('matmul_tn stages A (aᵀ, its k steps 512 bytes and more apart) by 4 x 4 transposes: whole and partial blocks of k, chunks, a split piece', async () => {
    // a's rows of 128 and 256 floats crowd the L1 read in place; a piece of a split [?, 384]
    // is read at the split's pitch. Batches: under 4 rows, a tail of k, several chunks of 64.
    await expectMatches(
      `
      %x = input : f32[?,128]
      %wide = input : f32[?,384]
      %dy = input : f32[?,20]
      %acc = input : f32[128,20]
      %0 = matmul_tn %x, %dy, %acc : f32[128,20]
      %1, %2 = split %wide {axis=-1, sizes=[256,128]} : f32[?,256], f32[?,128]
      %3 = matmul_tn %1, %dy : f32[256,20]
      %4 = matmul_tn %2, %dy : f32[128,20]
      output "y" = %0
      output "z" = %3
      output "w" = %4`,
      [1, 3, 4, 7, 64, 67, 150],
    );
  });

  it('matmul_nt packs a computed [n, k] by 4 x 4 transposes when k and n are multiples of 4', async () => {
    for (const n of [4, 8, 12, 132])
      await expectMatches(
        `
        %x = input : f32[?,16]
        %w = input : f32[${n},16]
        %0 = matmul_nt %x, %w : f32[?,${n}]
        output "y" = %0`,
        [1, 9],
      );
  });

  it('dense packs a computed w only from 8 rows, with every column tail of two-panel moves', async () => {
    for (const n of [8, 16, 17, 24, 31])
      await expectMatches(
        `
        %x = input : f32[?,5]
        %w = input : f32[5,${n}]
        %0 = dense %x, %w {activation="linear"} : f32[?,${n}]
        output "y" = %0`,
        [7, 8, 13],
      );
  });

  it('products that read one computed w share its panels, packed once by the first (dense and matmul_nt, each way apart)', async () => {
    // A recurrent training step's shape: w read by a chain of dense products forward and matmul_nt
    // products backward, with values computed between them, a weight gradient's fixed-size
    // product among them, which must not take the panels' bytes.
    const text = `
      %x = input : f32[?,12]
      %w = input : f32[12,12]
      %v = input : f32[12,10]
      %0 = dense %x, %w {activation="tanh"} : f32[?,12]
      %1 = dense %0, %w : f32[?,12]
      %g = matmul_tn %0, %1 : f32[12,12]
      %2 = dense %1, %g : f32[?,12]
      %3 = dense %2, %w {activation="relu"} : f32[?,12]
      %4 = matmul_nt %3, %w : f32[?,12]
      %5 = matmul_nt %4, %w : f32[?,12]
      %6 = dense %5, %v {activation="sigmoid"} : f32[?,10]
      %7 = matmul_nt %6, %v : f32[?,12]
      output "y" = %7
      output "z" = %5`;
    await expectMatches(text, [1, 3, 8, 13]);
    const graph = withWeights(text);
    const { shared } = compileWasm(graph, { simd: true, weights: 'embedded' }).plan;
    const products = graph.nodes.filter((n) => n.op === 'dense' || n.op === 'matmul_nt');
    // %w's panels (12 x 16 floats) and its transpose's, each one buffer for its readers; %g and %v read once each way.
    expect(products.map((n) => [shared.get(n)!.fills, shared.get(n)!.members])).toEqual([
      [true, 3], [false, 3], [true, 1], [false, 3], [true, 2], [false, 2], [true, 1], [true, 1],
    ]);
    const slots = products.map((n) => shared.get(n)!.slot.offset.fixedBytes);
    expect(new Set([slots[0], slots[1], slots[3]]).size).toBe(1);
    expect(slots[4]).toBe(slots[5]);
  });
});

describe('GEMM: operand forms', () => {
  it('matmul_tn over a batch of matrices (k = 3 x batch) and with a static k', async () => {
    await expectMatches(`
      %x = input : f32[?,3,5]
      %dy = input : f32[?,3,9]
      %a = input : f32[4,5]
      %b = input : f32[4,11]
      %0 = matmul_tn %x, %dy : f32[5,9]
      %1 = matmul_tn %a, %b : f32[5,11]
      output "y" = %0
      output "z" = %1`);
  });

  it('dense with a computed bias and no activation, a constant bias with a residual, bias-free with a residual', async () => {
    await expectMatches(`
      %x = input : f32[?,10]
      %w = weight : f32[10,13]
      %b = input : f32[13]
      %c = weight : f32[13]
      %r = input : f32[?,13]
      %0 = dense %x, %w, %b : f32[?,13]
      %1 = dense %x, %w, %c, %r {residual=true} : f32[?,13]
      %2 = dense %x, %w, %r {activation="relu", residual=true} : f32[?,13]
      output "a" = %0
      output "b" = %1
      output "c" = %2`);
  });

  it('writes its result over a computed residual that dies there (an LSTM step: x·W + b + h·R), every column tail', async () => {
    for (const n of [4, 13, 130])
      await expectMatches(`
        %x = input : f32[?,10]
        %h = input : f32[?,6]
        %w = weight : f32[10,${n}]
        %u = weight : f32[6,${n}]
        %b = weight : f32[${n}]
        %0 = dense %h, %u : f32[?,${n}]
        %1 = dense %x, %w, %b, %0 {activation="relu", residual=true} : f32[?,${n}]
        output "y" = %1`);
    const graph = withWeights(`
      %x = input : f32[?,10]
      %h = input : f32[?,6]
      %w = weight : f32[10,13]
      %u = weight : f32[6,13]
      %0 = dense %h, %u : f32[?,13]
      %1 = dense %x, %w, %0 {residual=true} : f32[?,13]
      output "y" = %1`);
    const { slots } = compileWasm(graph, { simd: true, weights: 'embedded' }).plan;
    expect(slots.get(graph.nodes[5]!)!.offset).toEqual(slots.get(graph.nodes[4]!)!.offset);
  });

  it('adds the residual after activations that run outside the tile (sigmoid, softmax)', async () => {
    await expectMatches(`
      %x = input : f32[?,10]
      %w = input : f32[10,13]
      %r = input : f32[?,13]
      %0 = dense %x, %w, %r {activation="sigmoid", residual=true} : f32[?,13]
      %1 = dense %x, %w, %r {activation="softmax", residual=true} : f32[?,13]
      output "a" = %0
      output "b" = %1`);
  });

  it('reads flattened and rank-3 rows, and B through a reshape view', async () => {
    await expectMatches(`
      %x = input : f32[?,3,4]
      %w = input : f32[12,10]
      %v = weight : f32[2,2,10]
      %0 = dense %x, %w : f32[?,10]
      %1 = reshape %v {shape=[4,10]} : f32[4,10]
      %2 = matmul %x, %1 : f32[?,3,10]
      output "a" = %0
      output "b" = %2`);
  });

  it('stages rows of A a multiple of 2 KB apart (k = 512, 1024; in place and a split piece) for dense, matmul and matmul_nt', async () => {
    const text = `
      %x = input : f32[?,512]
      %z = input : f32[?,1024]
      %s = input : f32[?,1536]
      %w = weight : f32[512,13]
      %v = weight : f32[1024,10]
      %u = input : f32[9,512]
      %b = weight : f32[13]
      %p, %q = split %s {axis=1, sizes=[512,1024]} : f32[?,512], f32[?,1024]
      %0 = dense %x, %w, %b {activation="relu"} : f32[?,13]
      %1 = matmul %z, %v : f32[?,10]
      %2 = matmul_nt %x, %u : f32[?,9]
      %3 = dense %q, %v : f32[?,10]
      %4 = dense %p, %w : f32[?,13]
      output "a" = %0
      output "b" = %1
      output "c" = %2
      output "d" = %3
      output "e" = %4`;
    await expectMatches(text, [1, 4, 5, 7, 9, 33]);
    // Each product asks for a staging block (4 rows of k + 16 floats); a computed B's panels are
    // shared scratch (here of one product each).
    const graph = withWeights(text);
    const { scratch, shared } = compileWasm(graph, { simd: true, weights: 'embedded' }).plan;
    const products = graph.nodes.filter((n) => ['dense', 'matmul', 'matmul_nt'].includes(n.op));
    expect(products.map((n) => scratch.get(n)?.size.fixedBytes)).toEqual([4 * 528 * 4, 4 * 1040 * 4, 4 * 528 * 4, 4 * 1040 * 4, 4 * 528 * 4]);
    expect(products.map((n) => shared.get(n)?.slot.size.fixedBytes)).toEqual([undefined, undefined, 2 * 512 * 8 * 4, undefined, undefined]);
  });

  it('runs numpy stacks and 1-D operands through the same GEMM per matrix', async () => {
    await expectMatches(`
      %a = input : f32[?,2,3]
      %b = input : f32[?,3,10]
      %c = input : f32[3,10]
      %v = input : f32[3]
      %0 = matmul %a, %b : f32[?,2,10]
      %1 = matmul %a, %c : f32[?,2,10]
      %2 = matmul %v, %b : f32[?,10]
      %3 = matmul %a, %v : f32[?,2]
      output "a" = %0
      output "b" = %1
      output "c" = %2
      output "d" = %3`);
  });
});

describe('GEMM: the training step products in a bundle', () => {
  const text = `
    %x = input : f32[?,784]
    %w1 = input : f32[784,128]
    %b1 = input : f32[128]
    %w2 = input : f32[128,10]
    %dy = input : f32[?,10]
    %0 = matmul %x, %w1 : f32[?,128]
    %1 = add %0, %b1 : f32[?,128]
    %2 = relu %1 : f32[?,128]
    %3 = matmul_tn %2, %dy : f32[128,10]
    %4 = matmul_nt %dy, %w2 : f32[?,128]
    %5 = matmul_tn %x, %4 : f32[784,128]
    output "h" = %2
    output "dw2" = %3
    output "dw1" = %5`;

  it('fuses the forward product into a dense and matches the interpreter at batch 1 and 32, SIMD and scalar', async () => {
    const graph = withWeights(text);
    const built = await buildWasmBundle(graph);
    expect(built.optimized.nodes.some((n) => n.op === 'dense' && n.inputs[1]!.op === 'input')).toBe(true);
    const bundle = await built.import();
    for (const simd of [true, false]) {
      const model = await bundle.load({ simd });
      for (const batch of [1, 32]) {
        const { tensors, flat } = randomInputs(graph, batch, batch);
        const expected = interpret(graph, tensors);
        const actual = outputsByName(model.predict(predictArgument(flat), batch), model.outputNames);
        for (const name of model.outputNames) {
          const e = expected[name]!.data;
          const scale = Math.max(1, ...Array.from(e, Math.abs));
          const worst = Math.max(...Array.from(e, (v, i) => Math.abs(actual[name]![i]! - v)));
          expect(worst / scale, `${name}, batch ${batch}, simd ${simd}`).toBeLessThanOrEqual(TOLERANCE);
        }
      }
    }
  });
});
