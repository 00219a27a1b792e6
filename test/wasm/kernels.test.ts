import { describe, expect, it } from 'vitest';
import { compileWasm } from '../../src/codegen/wasm/module.js';
import { NncError } from '../../src/errors.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Attrs, Graph, Node } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { tensor } from '../../src/ir/tensor.js';
import { tensorType, type Shape } from '../../src/ir/types.js';
import { printGraph } from '../../src/ir/printer.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { moduleError, runModule } from './harness.js';

const TOLERANCE = 1e-5;
const BUILDS = [
  { simd: true, name: 'simd128' },
  { simd: false, name: 'scalar' },
];

/** Seeded weights in [-0.5, 0.5): deterministic graphs without the frontend. */
function weights(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648 - 0.5;
  });
}

function graphOf(build: (b: GraphBuilder) => Node | Record<string, Node>): Graph {
  const b = new GraphBuilder();
  const out = build(b);
  if ('id' in out) b.output('y', out as Node);
  else for (const [name, node] of Object.entries(out)) b.output(name, node);
  return b.build();
}

const weight = (b: GraphBuilder, name: string, shape: number[], seed: number) =>
  b.weight(name, tensorType(shape), weights(shape.reduce((p, d) => p * d, 1), seed));

function denseGraph(k: number, n: number, attrs: Attrs, bias = true, xShape: Shape = [null, k]): Graph {
  return graphOf((b) => {
    const x = b.input('x', tensorType(xShape));
    const inputs = [x, weight(b, 'w', [k, n], 1)];
    if (bias) inputs.push(weight(b, 'b', [n], 2));
    return b.op('dense', inputs, attrs);
  });
}

async function expectMatches(graph: Graph, batches: readonly number[] = [1, 3, 4, 7, 9]): Promise<void> {
  for (const { simd, name } of BUILDS)
    for (const batch of batches) expect(await moduleError(graph, batch, simd), `${name} build, batch ${batch}`).toBeLessThanOrEqual(TOLERANCE);
}

describe('dense kernel', () => {
  const activations: [string, Attrs][] = [
    ['linear', {}],
    ['relu', {}],
    ['sigmoid', {}],
    ['tanh', {}],
    ['elu', { alpha: 0.7 }],
    ['selu', {}],
    ['leaky_relu', { alpha: 0.3 }],
    ['swish', {}],
    ['softplus', {}],
    ['gelu', {}],
    ['softmax', {}],
  ];
  for (const [activation, extra] of activations)
    it(`matches the interpreter with activation ${activation} (column tails, row tails)`, async () => {
      for (const n of [3, 8, 37]) await expectMatches(denseGraph(19, n, { activation, ...extra }), [1, 4, 7]);
    });

  it('covers the single-row 24-column tiles and their remainders', async () => {
    for (const n of [16, 24, 32, 40, 72, 130]) await expectMatches(denseGraph(11, n, { activation: 'relu' }), [1, 2, 5]);
  });

  it('runs without a bias, with k = 1, and on rank-3 and flattened operands', async () => {
    await expectMatches(denseGraph(6, 9, {}, false));
    await expectMatches(denseGraph(1, 12, { activation: 'relu' }));
    await expectMatches(denseGraph(5, 7, { activation: 'tanh' }, true, [null, 3, 5]));
    await expectMatches(denseGraph(12, 7, { activation: 'relu' }, true, [null, 3, 4]));
  });

  it('computes the seed model layer sizes (784 -> 128 -> 10) at batch 1 and 1000', async () => {
    const graph = graphOf((b) => {
      const x = b.input('x', tensorType([null, 784]));
      const h = b.op('dense', [x, weight(b, 'w1', [784, 128], 3), weight(b, 'b1', [128], 4)], { activation: 'relu' });
      return b.op('dense', [h, weight(b, 'w2', [128, 10], 5), weight(b, 'b2', [10], 6)], { activation: 'softmax' });
    });
    await expectMatches(graph, [1, 1000]);
  });

  it('runs an unfused matmul, and matmul_nt with the weight transposed at packing', async () => {
    await expectMatches(graphOf((b) => b.op('matmul', [b.input('x', tensorType([null, 10])), weight(b, 'w', [10, 13], 1)])));
    await expectMatches(graphOf((b) => b.op('matmul_nt', [b.input('x', tensorType([null, 10])), weight(b, 'w', [13, 10], 1)])));
  });

  it('reads weights through reshape views', async () => {
    await expectMatches(
      graphOf((b) => b.op('matmul', [b.input('x', tensorType([null, 6])), b.op('reshape', [weight(b, 'w', [6, 2, 2], 1)], { shape: [4] })])),
    );
  });

  it('runs a matmul whose right operand is computed (read in place by the GEMM), equal to the interpreter', async () => {
    await expectMatches(
      graphOf((b) => {
        const x = b.input('x', tensorType([null, 4]));
        const w = b.op('relu', [weight(b, 'w', [4, 11], 1)]);
        return b.op('matmul', [x, w]);
      }),
    );
  });

  it('runs a matmul_nt whose right operand is computed, equal to the interpreter', async () => {
    await expectMatches(
      graphOf((b) => {
        const x = b.input('x', tensorType([null, 5]));
        const w = b.op('relu', [weight(b, 'w', [7, 5], 1)]);
        return b.op('matmul_nt', [x, w]);
      }),
    );
  });
});

describe('elementwise kernel', () => {
  const binary = (op: string, a: Shape, bShape: Shape, bIsWeight = false) =>
    graphOf((b) => {
      const x = b.input('a', tensorType(a));
      const y = bIsWeight ? weight(b, 'c', bShape as number[], 9) : b.input('b', tensorType(bShape));
      return b.op(op, [x, y]);
    });

  it('broadcasts like numpy: bias rows, columns, batch-wide and same-shape operands', async () => {
    await expectMatches(binary('add', [null, 5, 6], [6], true));
    await expectMatches(binary('mul', [null, 5, 6], [5, 1], true));
    await expectMatches(binary('sub', [null, 7], [null, 7]));
    await expectMatches(binary('div', [null, 7], [null, 1]));
    await expectMatches(binary('add', [null, 1, 3], [null, 4, 1]));
  });

  it('runs every unary op of the registry', async () => {
    for (const op of ['relu', 'sigmoid', 'tanh', 'elu', 'selu', 'leaky_relu', 'swish', 'softplus', 'gelu'])
      await expectMatches(graphOf((b) => b.op(op, [b.input('x', tensorType([null, 9]))])), [1, 5]);
  });

  it('runs fused expressions over several broadcast operands', async () => {
    const graph = graphOf((b) => {
      const x = b.input('x', tensorType([null, 4, 3]));
      const y = b.input('y', tensorType([null, 4, 3]));
      return b.op('elementwise', [x, weight(b, 'c', [3], 4), y], { expr: 'select($0,add(mul($0,$1),$2),mul(0.5,sqrt(abs($2))))' });
    });
    await expectMatches(graph);
    const transcendental = graphOf((b) =>
      b.op('elementwise', [b.input('x', tensorType([null, 10])), b.constant([0.25], tensorType([1]))], { expr: 'add(tanh($0),log(add(exp($0),$1)))' }),
    );
    await expectMatches(transcendental);
  });

  it('computes a sub-expression that occurs twice once, also when a select reads it in its condition and a branch', async () => {
    // A tanh gradient (1 - tanh(x)²) and a hard-sigmoid gradient: the shared part first occurs in a
    // select's condition, which wasm evaluates after the branches unless the kernel orders it first.
    const expr = 'add(mul($1,sub(1,mul(tanh($0),tanh($0)))),select(min(add(mul(0.2,$0),0.5),1),select(sub(1,add(mul(0.2,$0),0.5)),add(mul(0.2,$0),0.5),0),0))';
    const graph = graphOf((b) => b.op('elementwise', [b.input('x', tensorType([null, 11])), b.input('dy', tensorType([null, 11]))], { expr }));
    await expectMatches(graph);
    // The SIMD build writes tanh inline in its vector loop and calls the vector function in its
    // scalar tail. Counted by tanh's one division, before binaryen's optimizer: once in the loop
    // and once in the function, against 2 + 1 for two different tanh.
    const divisions = (g: typeof graph) => compileWasm(g, { simd: true, weights: 'embedded', fastCompile: true }, true).text!.match(/f32x4\.div/g)?.length;
    expect(divisions(graph)).toBe(2);
    expect(divisions(graphOf((b) => b.op('elementwise', [b.input('x', tensorType([null, 11])), b.input('dy', tensorType([null, 11]))], { expr: 'add(tanh($0),tanh($1))' })))).toBe(3);
  });

  // V8 builds a v128 constant with ~3 instructions at each use and hoists none out of a loop.
  it('loads the vector loop\'s constants from memory of the SIMD module\'s own instead of building them', async () => {
    const graph = graphOf((b) => b.op('tanh', [b.input('x', tensorType([null, 16]))]));
    const simd = compileWasm(graph, { simd: true, weights: 'embedded' }, true);
    const text = simd.text!;
    // Outside the layout both builds share: the same memory and constant region as the scalar module's.
    const scalar = compileWasm(graph, { simd: false, weights: 'embedded' });
    expect(simd.memory).toEqual(scalar.memory);
    expect(Buffer.from(simd.constants).equals(Buffer.from(scalar.constants))).toBe(true);
    await expectMatches(graph);
    const start = text.indexOf('(func $n');
    const kernel = text.slice(start, text.indexOf('(func', start + 1));
    expect(kernel).not.toMatch(/v128\.const|(f32x4|i32x4)\.splat\s+\((f32|i32)\.const/);
    // tanh's 14 constants, the operand and nothing else.
    expect(kernel.match(/v128\.load/g)?.length).toBeGreaterThanOrEqual(15);
  });

  // max / min against a constant run as pmax / pmin in the SIMD loop (one instruction each):
  // the lanes must equal max / min's, NaN and the sign of zero included.
  it('computes max and min against constants exactly as max and min, NaN and signed zeros included', async () => {
    const edges = [NaN, -0, 0, 1, -1, 0.5, -20, -21, Infinity, -Infinity, 1e-30, -1e-30, 3.4e38, -3.4e38];
    const values = Float32Array.from([...edges, ...edges.slice(0, 3)]); // 17 values: vectors and a tail
    const exprs = ['max($0,0)', 'max(0,$0)', 'max($0,-0)', 'min($0,0)', 'min($0,-0)', 'min(1,$0)', 'max($0,-20)', 'max(min(add(mul(0.2,$0),0.5),1),0)', 'max($0,$0)'];
    for (const expr of exprs) {
      const graph = graphOf((b) => b.op('elementwise', [b.input('x', tensorType([null, values.length]))], { expr }));
      const expected = interpret(graph, { x: tensor([1, values.length], values) }).y!.data;
      for (const { simd } of BUILDS) {
        const actual = (await runModule(graph, { x: values }, 1, simd)).y!;
        values.forEach((x, i) => expect(Object.is(actual[i], expected[i]), `${expr} at x = ${Object.is(x, -0) ? '-0' : x}: ${actual[i]} vs ${expected[i]}`).toBe(true));
      }
    }
    const text = (expr: string) => compileWasm(graphOf((b) => b.op('elementwise', [b.input('x', tensorType([null, 8])), b.input('z', tensorType([null, 8]))], { expr })), { simd: true, weights: 'embedded', fastCompile: true }, true).text!;
    expect(text('max($0,0)')).toMatch(/f32x4\.pmax/);
    expect(text('max($0,$1)')).not.toMatch(/f32x4\.pmax/);
    expect(text('min($0,-0)')).not.toMatch(/f32x4\.pmin/);
  });

  it('computes exp, log, tanh and erf to float32 precision, special values included', async () => {
    const specials = [0, -0, 1e-30, -1e-30, 1e-7, 0.5, -0.5, 1, -1, 10, -10, 30, -30, 88, -88, 89, 120, -120, 700, -800, Infinity, -Infinity, NaN];
    const ramp = Array.from({ length: 200 }, (_, i) => (i - 100) * 0.173);
    const values = Float32Array.from([...specials, ...ramp]);
    for (const fn of ['exp', 'log', 'tanh', 'erf']) {
      const graph = graphOf((b) => b.op('elementwise', [b.input('x', tensorType([null, values.length]))], { expr: `${fn}($0)` }));
      const expected = interpret(graph, { x: tensor([1, values.length], values) }).y!.data;
      for (const { simd } of BUILDS) {
        const actual = (await runModule(graph, { x: values }, 1, simd)).y!;
        for (let i = 0; i < values.length; i++) {
          const [e, a] = [expected[i]!, actual[i]!];
          if (!Number.isFinite(e)) expect(a, `${fn}(${values[i]})`).toBe(e);
          else expect(Math.abs(a - e), `${fn}(${values[i]}) = ${e}, got ${a}`).toBeLessThanOrEqual(2.5e-7 * Math.max(1, Math.abs(e)));
        }
      }
    }
  });
});

describe('softmax, concat, copies and views', () => {
  it('softmax along the last and an inner axis', async () => {
    await expectMatches(graphOf((b) => b.op('softmax', [b.input('x', tensorType([null, 13]))], { axis: -1 })));
    await expectMatches(graphOf((b) => b.op('softmax', [b.input('x', tensorType([null, 3, 4]))], { axis: 1 })));
  });

  it('softmax and log_softmax along the batch axis: a line as long as the rows of the call', async () => {
    await expectMatches(graphOf((b) => b.op('softmax', [b.input('x', tensorType([null, 5]))], { axis: 0 })));
    await expectMatches(graphOf((b) => b.op('log_softmax', [b.input('x', tensorType([null, 2, 3]))], { axis: 0 })));
  });

  it('log_softmax along the last and an inner axis', async () => {
    await expectMatches(graphOf((b) => b.op('log_softmax', [b.input('x', tensorType([null, 13]))], { axis: -1 })));
    await expectMatches(graphOf((b) => b.op('log_softmax', [b.input('x', tensorType([null, 3, 4]))], { axis: 1 })));
  });

  it('slices and zero-pads along the last and a middle axis', async () => {
    await expectMatches(graphOf((b) => b.op('slice', [b.input('x', tensorType([null, 11]))], { axis: 1, begin: 3, size: 6 })));
    await expectMatches(graphOf((b) => b.op('slice', [b.input('x', tensorType([null, 4, 3]))], { axis: 1, begin: 1, size: 2 })));
    await expectMatches(graphOf((b) => b.op('pad', [b.input('x', tensorType([null, 5]))], { axis: 1, before: 2, after: 7 })));
    await expectMatches(graphOf((b) => b.op('pad', [b.input('x', tensorType([null, 2, 3]))], { axis: 1, before: 1, after: 0 })));
  });

  it('concatenates along the last and a middle axis', async () => {
    await expectMatches(graphOf((b) => b.op('concat', [b.input('a', tensorType([null, 2, 3])), b.input('b', tensorType([null, 2, 5]))], { axis: -1 })));
    await expectMatches(graphOf((b) => b.op('concat', [b.input('a', tensorType([null, 2, 3])), b.input('b', tensorType([null, 1, 3])), b.input('c', tensorType([null, 3, 3]))], { axis: 1 })));
  });

  it('splits along the last and a middle axis, each result into its own slot', async () => {
    const last = graphOf((b) => {
      const [p, q, r] = b.multi('split', [b.input('x', tensorType([null, 9]))], { axis: -1, sizes: [3, 5, 1] });
      return { p: p!, q: q!, r: r! };
    });
    await expectMatches(last);
    const middle = graphOf((b) => {
      const x = b.input('x', tensorType([null, 4, 3]));
      const [p, q] = b.multi('split', [b.op('tanh', [x])], { axis: 1, sizes: [1, 3] });
      // Both results live while the relu and the add run.
      return { p: b.op('relu', [p!]), q: b.op('add', [q!, p!]) };
    });
    await expectMatches(middle);
  });

  it('splits a weight, and skips results nothing reads after DCE', async () => {
    const weightSplit = graphOf((b) => {
      const [, q] = b.multi('split', [weight(b, 'w', [6, 4], 5)], { axis: 0, sizes: [2, 4] });
      return b.op('add', [b.input('x', tensorType([null, 4, 4])), q!]);
    });
    await expectMatches(weightSplit);
    const pruned = eliminateDeadCode(
      graphOf((b) => {
        const [, q, , s] = b.multi('split', [b.input('x', tensorType([null, 2, 10]))], { axis: 2, sizes: [2, 3, 1, 4] });
        return { q: q!, s: b.op('sigmoid', [s!]) };
      }),
    );
    expect(printGraph(pruned)).toMatch(/^_, %0, _, %1 = split %x/m);
    await expectMatches(pruned);
  });

  it('copies identity and dropout, and reads reshape views in place', async () => {
    const graph = graphOf((b) => {
      const x = b.input('x', tensorType([null, 2, 6]));
      const flat = b.op('reshape', [x], { shape: [12] });
      const kept = b.op('dropout', [b.op('identity', [flat])], { rate: 0.5 });
      return { y: b.op('dense', [kept, weight(b, 'w', [12, 5], 3)], { activation: 'relu' }), z: kept };
    });
    await expectMatches(graph);
  });

  it('reports every op without a kernel at once', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 4]));
    // An op no backend knows, so the test holds whichever kernels exist.
    const y = b.raw('future_op', [x], {}, tensorType([null]));
    const z = b.raw('future_op', [x], {}, tensorType([null]));
    b.output('y', y);
    b.output('z', z);
    const graph = b.build();
    try {
      compileWasm(graph, { simd: true, weights: 'embedded' });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(NncError);
      expect((e as NncError).code).toBe('NNC4001');
      expect((e as NncError).message).toMatch(/2 problem\(s\)[\s\S]*'future_op' has no wasm kernel[\s\S]*'future_op' has no wasm kernel/);
    }
  });
});

describe('module', () => {
  it('is the same memory layout and constants in both builds, and deterministic', () => {
    const graph = denseGraph(30, 20, { activation: 'relu' });
    const simd = compileWasm(graph, { simd: true, weights: 'embedded' });
    const scalar = compileWasm(graph, { simd: false, weights: 'embedded' });
    expect(simd.memory).toEqual(scalar.memory);
    expect(Buffer.from(simd.constants).equals(Buffer.from(scalar.constants))).toBe(true);
    expect(Buffer.from(compileWasm(graph, { simd: true, weights: 'embedded' }).binary).equals(Buffer.from(simd.binary))).toBe(true);
    expect(WebAssembly.validate(simd.binary)).toBe(true);
    expect(WebAssembly.validate(scalar.binary)).toBe(true);
  });

  it('uses SIMD instructions only in the SIMD build', () => {
    const graph = denseGraph(30, 20, { activation: 'relu' });
    expect(compileWasm(graph, { simd: true, weights: 'embedded' }, true).text).toMatch(/f32x4\.mul/);
    expect(compileWasm(graph, { simd: false, weights: 'embedded' }, true).text).not.toMatch(/v128|f32x4/);
  });

  it('keeps each kernel a function of its own through the optimizer, and leaves the optimizer as it was', async () => {
    const binaryen = (await import('binaryen')).default;
    const before = binaryen.getOneCallerInlineMaxSize();
    const graph = graphOf((b) => b.op('tanh', [b.op('dense', [b.op('relu', [b.input('x', tensorType([null, 40]))]), weight(b, 'w', [40, 24], 5)], { activation: 'sigmoid' })]));
    const text = compileWasm(graph, { simd: true, weights: 'embedded' }, true).text!;
    // Each called once from run, which binaryen inlines by default: one huge function for V8.
    for (const kernel of ['relu', 'dense', 'tanh']) expect(text, kernel).toMatch(new RegExp(`\\(func \\$n\\d+_${kernel} `));
    expect(binaryen.getOneCallerInlineMaxSize()).toBe(before);
  });

  it('leaves the weights out of the module with external weights', () => {
    const graph = denseGraph(64, 64, {});
    const embedded = compileWasm(graph, { simd: true, weights: 'embedded' });
    const external = compileWasm(graph, { simd: true, weights: 'external' });
    expect(embedded.binary.byteLength - external.binary.byteLength).toBeGreaterThan(64 * 64 * 4 - 100);
    expect(external.constants.byteLength).toBeGreaterThanOrEqual(64 * 64 * 4);
  });
});
