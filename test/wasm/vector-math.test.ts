/**
 * exp, tanh, erf and the activations made of them (sigmoid, gelu) in the SIMD module, which
 * computes them on f32x4 lanes (vector-math.ts), against Math.exp / Math.tanh in f64 rounded to
 * f32 (and the interpreter's erf formula, within 5e-7): within 2 ulp over a sweep of 40,000
 * values and at the edges (±0, subnormal results, the overflow threshold, ±Infinity, NaN), vector
 * lanes (the functions written inline) and the scalar tail (the functions called) alike, bit for
 * bit. The scalar module keeps its f64 helpers: within 1 ulp.
 */
import { describe, expect, it } from 'vitest';
import { GraphBuilder } from '../../src/ir/builder.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { tensorType } from '../../src/ir/types.js';
import { runModule } from './harness.js';

const EDGES = [0, -0, 1e-30, -1e-30, 1e-6, 0.624, 0.625, 0.626, -0.625, 1, -1, 9, -9, 20, 40, 80, 88.5, 88.72, 88.73, 89, 100, -80, -87.3, -88, -100, -103, -104, -105, -200, Infinity, -Infinity, NaN, 3.4e38, -3.4e38];

/** A sweep of [-110, 110] plus the edges, 4k + 3 values so the scalar tail runs too. */
function values(): Float32Array {
  const sweep = Array.from({ length: 40_000 }, (_, i) => -110 + (220 * i) / 39_999);
  const all = [...sweep, ...EDGES];
  while (all.length % 4 !== 3) all.push(0.3);
  return Float32Array.from(all);
}

/**
 * Distance in f32 units in the last place (0 for equal values, both NaN, or equal infinities, and
 * for two values within the subnormal range: an f32 intermediate may flush what f64 keeps there,
 * e.g. sigmoid(-88.72) = 1 / (1 + e^88.72) is 0 with e^88.72 past FLT_MAX).
 */
function ulps(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b || (Math.abs(a) < 2 ** -126 && Math.abs(b) < 2 ** -126)) return 0;
  const bits = (v: number) => {
    const i = new Int32Array(Float32Array.of(v).buffer)[0]!;
    return i < 0 ? -(i & 0x7fffffff) : i;
  };
  return Math.abs(bits(a) - bits(b));
}

async function computed(expr: string, xs: Float32Array, simd: boolean): Promise<Float32Array> {
  const b = new GraphBuilder();
  const x = b.input('x', tensorType([null, xs.length]));
  b.output('y', b.op('elementwise', [x], { expr }));
  return (await runModule(b.build(), { x: xs }, 1, simd)).y!;
}

const CASES: { name: string; expr: string; want: (x: number) => number }[] = [
  { name: 'exp', expr: 'exp($0)', want: Math.exp },
  { name: 'tanh', expr: 'tanh($0)', want: Math.tanh },
  { name: 'sigmoid', expr: 'div(1,add(1,exp(neg($0))))', want: (x) => 1 / (1 + Math.exp(-x)) },
];

describe('exp and tanh on f32x4 lanes', () => {
  for (const { name, expr, want } of CASES)
    it(`${name}: within 2 ulp of the f64 function rounded to f32 (SIMD), 1 ulp (scalar module)`, async () => {
      const xs = values();
      for (const [simd, limit] of [[true, 2], [false, 1]] as const) {
        const ys = await computed(expr, xs, simd);
        let worst = 0;
        let at = 0;
        xs.forEach((x, i) => {
          const d = ulps(ys[i]!, Math.fround(want(x)));
          if (d > worst) [worst, at] = [d, x];
        });
        expect(worst, `${simd ? 'SIMD' : 'scalar'} worst at x = ${at}: ${ys[xs.indexOf(at)]} vs ${want(at)}`).toBeLessThanOrEqual(limit);
      }
    });

  // The vector loop computes the functions inline, the scalar tail calls them: the same operations.
  it('exp, tanh and erf: the vector lanes (inline code) and the scalar tail (the function) give the same bits', async () => {
    const picks = [-9.1, -0.3, 1e-6, 2.5, 30, -1e-30, 0.625];
    for (const expr of ['exp($0)', 'tanh($0)', 'erf($0)', 'mul(tanh($0),exp(neg($0)))']) {
      // Four values in a vector, then three of them again in the tail (7 values: one vector + 3).
      for (let i = 0; i + 4 <= picks.length; i++) {
        const four = picks.slice(i, i + 4);
        const ys = await computed(expr, Float32Array.from([...four, ...four.slice(0, 3)]), true);
        expect(Array.from(ys.slice(4)), `${expr} at ${four.slice(0, 3).join(', ')}`).toEqual(Array.from(ys.slice(0, 3)));
      }
    }
  });

  // f32 rounding of 1 − P(t)·t·e^(−x²) near 1: a few ulp of 1; the formula itself is 1.5e-7 from erf.
  it('erf: within 5e-7 of the interpreter (the same formula in f64), at every value', async () => {
    const xs = values().map((v) => v / 20);
    const expr = 'erf($0)';
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, xs.length]));
    b.output('y', b.op('elementwise', [x], { expr }));
    const reference = interpret(b.build(), { x: tensor([1, xs.length], xs) }).y!.data;
    const ys = await computed(expr, xs, true);
    let worst = 0;
    xs.forEach((_, i) => (worst = Math.max(worst, Number.isNaN(reference[i]!) ? (Number.isNaN(ys[i]!) ? 0 : Infinity) : Math.abs(ys[i]! - reference[i]!))));
    expect(worst).toBeLessThanOrEqual(5e-7);
  });
});
