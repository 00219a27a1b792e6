/**
 * conv2d by Winograd's F(2x2, 3x3) (src/codegen/wasm/kernels/conv2d-winograd.ts) and its two
 * gradients: the transforms against a direct 2x2 correlation and its gradients by the filter and
 * by the patch, the compile-time filter packing, and the kernels against the
 * reference interpreter (which convolves directly) in the SIMD and scalar modules: valid and same
 * padding, odd and even output sizes (tiles hanging over the edge), constant and computed
 * filters and biases, activations, a residual, a fused pooling. Error at most 1e-5 of the
 * output's scale, as the golden tests against tfjs allow.
 */
import { describe, expect, it } from 'vitest';
import { chooseScheme, filterStride, fitsWinograd, positionStride, transformFilter } from '../../src/codegen/wasm/kernels/conv2d-winograd.js';
import { F2X2, F32_ARITHMETIC, F4X4, type Arithmetic } from '../../src/codegen/wasm/kernels/winograd-scheme.js';
import { PANEL } from '../../src/codegen/wasm/gemm.js';
import { convGeometry } from '../../src/ir/ops/conv2d-geometry.js';
import { parseGraph } from '../../src/ir/parser.js';
import type { Graph } from '../../src/ir/graph.js';
import { buildName, MADD_BUILDS, moduleError } from './harness.js';

const TOLERANCE = 1e-5;
const EXACT: Arithmetic<number> = { add: (a, b) => a + b, sub: (a, b) => a - b, neg: (a) => -a, scale: (a, k) => a * k };

function seeded(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  };
}

for (const scheme of [F2X2, F4X4])
  describe(`Winograd F(${scheme.m}x${scheme.m}, 3x3) transforms`, () => {
    const { m, alpha } = scheme;
    it(`Aᵀ ((G g Gᵀ) ⊙ (Bᵀ d B)) A is the ${m}x${m} correlation of the ${alpha}x${alpha} patch d with the 3x3 filter g`, () => {
      const next = seeded(3);
      for (let trial = 0; trial < 20; trial++) {
        const g = Array.from({ length: 9 }, next);
        const d = Array.from({ length: alpha * alpha }, next);
        const u = scheme.filterTile(g, EXACT);
        const v = scheme.inputTile(d, EXACT);
        const y = scheme.outputTile(u.map((x, i) => x * v[i]!), EXACT);
        expect(y).toHaveLength(m * m);
        for (let oy = 0; oy < m; oy++)
          for (let ox = 0; ox < m; ox++) {
            let want = 0;
            for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) want += d[(oy + i) * alpha + ox + j]! * g[i * 3 + j]!;
            expect(y[oy * m + ox]!).toBeCloseTo(want, 12);
          }
      }
    });

    it(`Gᵀ ((Bᵀ d B) ⊙ (A dy Aᵀ)) G is the 3x3 filter gradient of the ${m}x${m} outputs dy from the patch d`, () => {
      const next = seeded(4);
      for (let trial = 0; trial < 20; trial++) {
        const d = Array.from({ length: alpha * alpha }, next);
        const dy = Array.from({ length: m * m }, next);
        const v = scheme.inputTile(d, EXACT);
        const w = scheme.gradientTile(dy, EXACT);
        const dw = scheme.filterGradientTile(v.map((x, i) => x * w[i]!), EXACT);
        expect(dw).toHaveLength(9);
        for (let i = 0; i < 3; i++)
          for (let j = 0; j < 3; j++) {
            let want = 0;
            for (let a = 0; a < m; a++) for (let b = 0; b < m; b++) want += d[(a + i) * alpha + b + j]! * dy[a * m + b]!;
            expect(dw[i * 3 + j]!).toBeCloseTo(want, 12);
          }
      }
    });

    it(`B ((G g Gᵀ) ⊙ (A dy Aᵀ)) Bᵀ is the gradient of the ${m}x${m} correlation by its patch d`, () => {
      const next = seeded(6);
      for (let trial = 0; trial < 20; trial++) {
        const g = Array.from({ length: 9 }, next);
        const dy = Array.from({ length: m * m }, next);
        const u = scheme.filterTile(g, EXACT);
        const w = scheme.gradientTile(dy, EXACT);
        const dd = scheme.patchGradientTile(u.map((x, i) => x * w[i]!), EXACT);
        expect(dd).toHaveLength(alpha * alpha);
        for (let r = 0; r < alpha; r++)
          for (let c = 0; c < alpha; c++) {
            // d[r, c] feeds output (oy, ox) through tap (r - oy, c - ox).
            let want = 0;
            for (let oy = 0; oy < m; oy++) for (let ox = 0; ox < m; ox++) if (r - oy >= 0 && r - oy < 3 && c - ox >= 0 && c - ox < 3) want += dy[oy * m + ox]! * g[(r - oy) * 3 + c - ox]!;
            expect(dd[r * alpha + c]!).toBeCloseTo(want, 12);
          }
      }
    });
  });

describe('Winograd convolutions: packing and the choices', () => {
  for (const scheme of [F2X2, F4X4])
    it(`packs F(${scheme.m}x${scheme.m})'s transformed filter as ${scheme.positions} [c, f] matrices in panels of 8 columns, zero past f, an odd number of cache lines apart`, () => {
      const [c, f] = [8, 12];
      const next = seeded(5);
      const w = Float32Array.from({ length: 9 * c * f }, next);
      const packed = transformFilter(scheme, w, c, f);
      const panels = Math.ceil(f / PANEL);
      // 2 panels of 8 rows of 8 floats: 512 bytes, 8 cache lines, padded to 9.
      const stride = filterStride(c, f) / 4;
      expect(stride * 4).toBe(panels * c * PANEL * 4 + 64);
      expect(packed.length).toBe(scheme.positions * stride);
      for (const [ci, fi] of [[0, 0], [3, 7], [7, 8], [5, 11]] as const) {
        const u = scheme.filterTile(Array.from({ length: 9 }, (_, t) => w[(t * c + ci) * f + fi]!), F32_ARITHMETIC);
        u.forEach((value, xi) => expect(packed[xi * stride + (Math.floor(fi / PANEL) * c + ci) * PANEL + (fi % PANEL)]).toBe(value));
      }
        // The second panel's columns 12..15 are padding.
      expect(packed[(1 * c + 2) * PANEL + 5]).toBe(0);
    });

  it('puts positions an odd number of cache lines apart', () => {
    expect(positionStride(9216)).toBe(9216 + 64);
    expect(positionStride(4608)).toBe(4608 + 64);
    expect(positionStride(64 * 9)).toBe(64 * 9);
    expect(positionStride(100)).toBe(192);
  });

  it("takes F(4x4) where its GEMMs' tile rows x positions per image are at most 0.8 of F(2x2)'s", () => {
    // The example's second conv, 11x11 in groups of 4 images (324 against 576 per image).
    expect(chooseScheme({ oh: 11, ow: 11 })).toBe(F4X4);
    // Its pooled cut, 10x10, one image at a time (432 against 448); grouped, F(4x4) (324 against 416).
    expect(chooseScheme({ oh: 10, ow: 10 }, 1)).toBe(F2X2);
    expect(chooseScheme({ oh: 10, ow: 10 })).toBe(F4X4);
    expect(chooseScheme({ oh: 13, ow: 13 }, 1)).toBe(F4X4);
    // One row of outputs: F(4x4)'s 6x6 transform for 3 outputs.
    expect(chooseScheme({ oh: 1, ow: 3 })).toBe(F2X2);
  });

  it('takes 3x3 windows at stride 1 without dilation, with channels in whole vectors', () => {
    const geometry = (shape: number[], attrs: Record<string, unknown> = {}) => convGeometry([null, ...shape], 3, 3, { strides: [1, 1], padding: 'valid', dilations: [1, 1], ...attrs } as never);
    expect(fitsWinograd(geometry([9, 9, 8]), 4)).toBe(true);
    expect(fitsWinograd(geometry([9, 9, 8], { strides: [2, 2] }), 4)).toBe(false);
    expect(fitsWinograd(geometry([9, 9, 8], { dilations: [2, 2] }), 4)).toBe(false);
    expect(fitsWinograd(geometry([9, 9, 6]), 4)).toBe(false);
    expect(fitsWinograd(geometry([9, 9, 8]), 6)).toBe(false);
    expect(fitsWinograd(geometry([9, 9, 4]), 4)).toBe(false);
  });
});

/** Seeded weights for every `weight` line of the text. */
function withWeights(text: string): Graph {
  const next = seeded(11);
  const shapes = [...text.matchAll(/%(\S+) = weight : f32\[([\d,]+)\]/g)];
  const weights = new Map(shapes.map(([, name, dims]) => [name!, Float32Array.from({ length: dims!.split(',').reduce((p, d) => p * Number(d), 1) }, next)]));
  return parseGraph(text, { weights });
}

async function expectMatches(text: string): Promise<void> {
  const graph = withWeights(text);
  for (const build of MADD_BUILDS)
    for (const batch of [1, 3, 7]) expect(await moduleError(graph, batch, build, batch, true), `${buildName(build)}, batch ${batch}:\n${text}`).toBeLessThanOrEqual(TOLERANCE);
}

/** The scheme a case's output size gets, named in the test: both must be covered. */
const schemeName = (out: number[]) => `F(${chooseScheme({ oh: out[0]!, ow: out[1]! }).m}x${chooseScheme({ oh: out[0]!, ow: out[1]! }).m})`;

describe('conv2d as Winograd vs the interpreter', () => {
  const cases: { name: string; x: number[]; f: number; attrs: string; out: number[] }[] = [
    { name: 'valid, odd output (7x6)', x: [9, 8, 8], f: 12, attrs: '', out: [7, 6] },
    { name: 'valid, even output (6x4)', x: [8, 6, 16], f: 8, attrs: '', out: [6, 4] },
    { name: 'same, odd (5x7)', x: [5, 7, 8], f: 4, attrs: 'padding="same", ', out: [5, 7] },
    { name: 'same, relu', x: [6, 6, 12], f: 16, attrs: 'padding="same", activation="relu", ', out: [6, 6] },
    { name: 'valid, one output row', x: [3, 5, 8], f: 8, attrs: 'activation="tanh", ', out: [1, 3] },
    { name: 'valid, 11x11 (the example\'s second conv)', x: [13, 13, 32], f: 16, attrs: 'activation="relu", ', out: [11, 11] },
    { name: 'same, 9x10', x: [9, 10, 8], f: 8, attrs: 'padding="same", ', out: [9, 10] },
  ];
  it('covers both schemes', () => expect(new Set(cases.map((c) => schemeName(c.out)))).toEqual(new Set(['F(2x2)', 'F(4x4)'])));
  for (const c of cases) {
    it(`${c.name}, ${schemeName(c.out)}, constant filter and bias`, async () => {
      await expectMatches(`
        %x = input : f32[?,${c.x.join(',')}]
        %k = weight : f32[3,3,${c.x[2]},${c.f}]
        %b = weight : f32[${c.f}]
        %0 = conv2d %x, %k, %b {${c.attrs}strides=[1,1]} : f32[?,${c.out.join(',')},${c.f}]
        output "y" = %0`);
    });
    it(`${c.name}, ${schemeName(c.out)}, computed filter and bias (a training step's)`, async () => {
      await expectMatches(`
        %x = input : f32[?,${c.x.join(',')}]
        %k = input : f32[3,3,${c.x[2]},${c.f}]
        %b = input : f32[${c.f}]
        %0 = conv2d %x, %k, %b {${c.attrs}strides=[1,1]} : f32[?,${c.out.join(',')},${c.f}]
        output "y" = %0`);
    });
  }

  it('a residual added after the activation', async () => {
    await expectMatches(`
      %x = input : f32[?,7,5,8]
      %k = weight : f32[3,3,8,8]
      %b = weight : f32[8]
      %0 = conv2d %x, %k, %b, %x {padding="same", activation="relu", residual=true} : f32[?,7,5,8]
      output "y" = %0`);
  });

  it('a fused 2x2 max pooling (image by image, through the tile)', async () => {
    await expectMatches(`
      %x = input : f32[?,13,13,8]
      %k = weight : f32[3,3,8,16]
      %b = weight : f32[16]
      %0 = conv2d %x, %k, %b {activation="relu", pool="max_pool2d", poolWindow=[2,2], poolStrides=[2,2], poolPadding="valid"} : f32[?,5,5,16]
      output "y" = %0`);
  });
});

describe("conv2d_grad_input of a 3x3 stride-1 conv as Winograd's over the forward's tiles vs the interpreter", () => {
  const cases: { name: string; x: number[]; f: number; padding: string; dy: number[] }[] = [
    { name: 'valid, odd input (9x8)', x: [9, 8, 8], f: 12, padding: 'valid', dy: [7, 6] },
    { name: 'same, odd (5x7)', x: [5, 7, 12], f: 8, padding: 'same', dy: [5, 7] },
    { name: 'valid, even input (6x6)', x: [6, 6, 4], f: 16, padding: 'valid', dy: [4, 4] },
    { name: 'same, even (6x4)', x: [6, 4, 8], f: 8, padding: 'same', dy: [6, 4] },
    { name: 'valid, one dy row', x: [3, 5, 8], f: 8, padding: 'valid', dy: [1, 3] },
    { name: 'valid, 11x11 dy (the example\'s second conv)', x: [13, 13, 16], f: 32, padding: 'valid', dy: [11, 11] },
  ];
  it('covers both schemes', () => expect(new Set(cases.map((c) => schemeName(c.dy)))).toEqual(new Set(['F(2x2)', 'F(4x4)'])));
  for (const c of cases)
    for (const filter of ['weight', 'input'])
      it(`${c.name}, ${schemeName(c.dy)}, ${filter === 'weight' ? 'constant filter (a transposed conv)' : "computed filter (a training step's)"}`, async () => {
        await expectMatches(`
          %dy = input : f32[?,${c.dy.join(',')},${c.f}]
          %k = ${filter} : f32[3,3,${c.x[2]},${c.f}]
          %x = input : f32[?,${c.x.join(',')}]
          %0 = conv2d_grad_input %dy, %k, %x {padding="${c.padding}"} : f32[?,${c.x.join(',')}]
          output "dx" = %0`);
      });
});

describe("conv2d_grad_filter of a 3x3 stride-1 conv as Winograd's turned around vs the interpreter", () => {
  const cases: { name: string; x: number[]; f: number; padding: string; dy: number[] }[] = [
    { name: 'valid, odd output (7x6)', x: [9, 8, 8], f: 12, padding: 'valid', dy: [7, 6] },
    { name: 'same, odd (5x7)', x: [5, 7, 12], f: 8, padding: 'same', dy: [5, 7] },
    { name: 'valid, even output (4x4)', x: [6, 6, 16], f: 4, padding: 'valid', dy: [4, 4] },
    { name: 'valid, 11x11 (the example\'s second conv)', x: [13, 13, 32], f: 16, padding: 'valid', dy: [11, 11] },
    { name: 'valid, one output row', x: [3, 5, 8], f: 8, padding: 'valid', dy: [1, 3] },
  ];
  it('covers both schemes', () => expect(new Set(cases.map((c) => schemeName(c.dy)))).toEqual(new Set(['F(2x2)', 'F(4x4)'])));
  for (const c of cases)
    it(`${c.name}, ${schemeName(c.dy)}`, async () => {
      await expectMatches(`
        %x = input : f32[?,${c.x.join(',')}]
        %dy = input : f32[?,${c.dy.join(',')},${c.f}]
        %0 = conv2d_grad_filter %x, %dy {kernelSize=[3,3], padding="${c.padding}"} : f32[3,3,${c.x[2]},${c.f}]
        output "dw" = %0`);
    });
});
