/**
 * The direct conv kernels of short windows (a first layer's), SIMD only, against the reference
 * interpreter at batches 1, 3 and 7 (the scalar module's GEMM form alongside): the forward conv
 * with a constant kernel and with a computed one (a training step's, read in place), and the
 * filter gradient, whose dw rows stay in accumulators over the
 * images. Windows inside x and in padding before or after it ('same', checked taps), strides, dilations, one and
 * three input channels, output channels in one and several blocks. Error at most 1e-5 of each
 * output's scale.
 */
import { describe, expect, it } from 'vitest';
import { DIRECT_GRAD_K } from '../../src/codegen/wasm/kernels/conv2d-direct-filter-gradient.js';
import { parseGraph } from '../../src/ir/parser.js';
import { buildName, MADD_BUILDS, moduleError } from './harness.js';

const TOLERANCE = 1e-5;

interface Case {
  readonly name: string;
  /** x's [h, w, c]. */
  readonly x: readonly number[];
  readonly kernel: readonly number[];
  readonly f: number;
  readonly attrs: string;
  /** The output's [oh, ow]. */
  readonly out: readonly number[];
}

const CASES: readonly Case[] = [
  { name: '3x3 valid, one channel, 32 outputs (the CNN example)', x: [12, 11, 1], kernel: [3, 3], f: 32, attrs: 'padding="valid"', out: [10, 9] },
  { name: '3x3 same, one channel, 40 outputs (ten vectors; five passes of eight in the filter gradient)', x: [6, 5, 1], kernel: [3, 3], f: 40, attrs: 'padding="same"', out: [6, 5] },
  { name: '2x2 same (padding after only), three channels, 8 outputs', x: [7, 6, 3], kernel: [2, 2], f: 8, attrs: 'padding="same"', out: [7, 6] },
  { name: '3x3 same, stride 2', x: [9, 8, 1], kernel: [3, 3], f: 4, attrs: 'padding="same", strides=[2,2]', out: [5, 4] },
  { name: '2x3 valid, dilation 2 by 1', x: [8, 7, 2], kernel: [2, 3], f: 12, attrs: 'padding="valid", dilations=[2,1]', out: [6, 5] },
];

async function expectMatches(text: string): Promise<void> {
  const next = (() => {
    let s = 5;
    return () => ((s = (s * 1103515245 + 12345) % 2147483648), s / 2147483648 - 0.5);
  })();
  const shapes = [...text.matchAll(/%(\S+) = weight : f32\[([\d,]+)\]/g)];
  const weights = new Map(shapes.map(([, name, dims]) => [name!, Float32Array.from({ length: dims!.split(',').reduce((p, d) => p * Number(d), 1) }, next)]));
  const graph = parseGraph(text, { weights });
  for (const build of MADD_BUILDS)
    for (const batch of [1, 3, 7]) expect(await moduleError(graph, batch, build, batch, true), `${buildName(build)}, batch ${batch}:\n${text}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('direct conv2d kernels vs the interpreter', () => {
  for (const c of CASES) {
    const k = `${c.kernel.join(',')},${c.x[2]},${c.f}`;
    it(`forward: ${c.name}`, async () => {
      await expectMatches(`
        %x = input : f32[?,${c.x.join(',')}]
        %w = weight : f32[${k}]
        %b = weight : f32[${c.f}]
        %0 = conv2d %x, %w, %b {activation="relu", ${c.attrs}} : f32[?,${c.out.join(',')},${c.f}]
        output "y" = %0`);
    });
    it(`forward, the kernel computed: ${c.name}`, async () => {
      await expectMatches(`
        %x = input : f32[?,${c.x.join(',')}]
        %w = input : f32[${k}]
        %b = input : f32[${c.f}]
        %0 = conv2d %x, %w, %b {activation="relu", ${c.attrs}} : f32[?,${c.out.join(',')},${c.f}]
        output "y" = %0`);
    });
    it(`filter gradient: ${c.name}`, async () => {
      // The direct form's window: k rows of dw in accumulators, output channels in fours.
      expect(c.kernel[0]! * c.kernel[1]! * c.x[2]!).toBeLessThanOrEqual(DIRECT_GRAD_K);
      expect(c.f % 4).toBe(0);
      await expectMatches(`
        %x = input : f32[?,${c.x.join(',')}]
        %dy = input : f32[?,${c.out.join(',')},${c.f}]
        %0 = conv2d_grad_filter %x, %dy {kernelSize=[${c.kernel.join(',')}], ${c.attrs}} : f32[${k}]
        output "dw" = %0`);
    });
  }
});
