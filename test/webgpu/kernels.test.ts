/**
 * Kernel-level tests: small graphs built op by op (unfused, so each kernel runs alone) with
 * awkward sizes — dims that are not multiples of the 16x16 matmul tile, softmax rows longer than
 * a workgroup, softmax and concat on inner axes, broadcasting — compared with the interpreter.
 */
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/codegen/wgsl/program.js';
import { GraphBuilder } from '../../src/ir/builder.js';
import type { Attrs, Graph, Node } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { tensor } from '../../src/ir/tensor.js';
import { tensorType, type Shape } from '../../src/ir/types.js';
import { eliminateDeadCode } from '../../src/passes/dce.js';
import { planMemory } from '../../src/passes/index.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { buildWebGpuBundle, byName, dawnGpu, predictInput } from '../helpers/webgpu.js';

/** Max abs error relative to the output's scale (its largest magnitude, at least 1). */
const TOLERANCE = 1e-5;

function scaledError(got: Float32Array, want: Float32Array): number {
  const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 1);
  return maxAbsDiff(got, want) / scale;
}

/** Deterministic weights in [-1, 1). */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = Math.sin(seed * 7.13 + i * 1.37);
  return out;
}

function weight(b: GraphBuilder, name: string, shape: number[], seed: number): Node {
  return b.weight(name, tensorType(shape), values(shape.reduce((p, d) => p * d, 1), seed));
}

/** Compiles `graph` as built (unfused) and compares every output at each batch. */
async function expectMatches(graph: Graph, batches: readonly number[]): Promise<void> {
  const bundle = await buildWebGpuBundle(graph, { optimize: false });
  const model = await (await bundle.import()).load({ gpu: await dawnGpu() });
  try {
    for (const batch of batches) {
      const { tensors, flat } = randomInputs(graph, batch, batch * 3 + 1);
      // Scale inputs so exp-based ops see large magnitudes too.
      for (const k of Object.keys(flat)) flat[k]!.forEach((v, i) => (flat[k]![i] = v * 6));
      const names = graph.outputs.map((o) => o.name);
      const got = byName(await model.predict(predictInput(graph, flat), batch), names);
      const want = interpret(graph, tensors);
      for (const name of names) expect(scaledError(got[name]!, want[name]!.data as Float32Array), `${name} at batch ${batch}`).toBeLessThanOrEqual(TOLERANCE);
    }
  } finally {
    await model.dispose();
  }
}

function single(shape: Shape, build: (b: GraphBuilder, x: Node) => Node): Graph {
  const b = new GraphBuilder();
  const x = b.input('x', tensorType(shape));
  b.output('y', build(b, x));
  return b.build();
}

describe('webgpu kernels', () => {
  const scalarOps = [...opRegistry.values()]
    .filter((d) => d.scalar && d.arity === 1 && (d.dtypes?.operands ?? ['f32']).includes('f32') && Object.values(d.attrs).every((a) => a.default !== undefined))
    .map((d) => d.name);
  // Ops defined for positive operands only see |x| (NaN would not compare).
  const POSITIVE = new Set(['log', 'sqrt']);

  it.each(scalarOps)('unary op %s', async (op) => {
    await expectMatches(single([null, 3, 5], (b, x) => b.op(op, [POSITIVE.has(op) ? b.op('abs', [x]) : x])), [1, 70]);
  });

  it.each([
    ['selu', { alpha: 2, gamma: 3 }],
    ['elu', { alpha: 0.5 }],
    ['leaky_relu', { alpha: 0.3 }],
    ['hard_sigmoid', { alpha: 0.5, beta: 0.25 }],
  ] as const)('unary op %s with attributes %o', async (op, attrs) => {
    await expectMatches(single([null, 3, 5], (b, x) => b.op(op, [x], attrs)), [1, 70]);
  });

  it.each(['add', 'sub', 'mul', 'div'])('binary op %s broadcasting a weight row and a column', async (op) => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 4, 6]));
    const row = weight(b, 'row', [6], 1);
    const col = b.constant([0.5, 1.5, 2.5, 3.5], tensorType([4, 1]));
    b.output('y', b.op(op, [b.op(op, [x, row]), col]));
    await expectMatches(b.build(), [1, 9]);
  });

  it('fused elementwise expression over three operands', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 10]));
    const z = b.input('z', tensorType([null, 10]));
    const w = weight(b, 'w', [10], 2);
    b.output('y', b.op('elementwise', [x, z, w], { expr: 'select($0,tanh(mul($1,$2)),erf(sub($0,$2)))' }));
    await expectMatches(b.build(), [1, 300]);
  });

  it('matmul of a rank-3 operand with sizes off the tile grid, tiled and per output', async () => {
    const g = single([null, 3, 70], (b, x) => b.op('matmul', [x, weight(b, 'w', [70, 19], 3)]));
    const [dispatch] = buildProgram(g, planMemory(g)).dispatches;
    // 3 and 21 rows run the per-output variant, 120 and 210 rows the 64-row tiles.
    expect([dispatch!.rowsPerGroup, dispatch!.fewRows?.upTo]).toEqual([64, 16]);
    await expectMatches(g, [1, 7, 40, 70]);
  });

  it.each(['linear', 'relu', 'softmax', 'elu', 'leaky_relu', 'gelu'])('dense with %s epilogue, 4x4 blocks per thread', async (activation) => {
    const g = single([null, 70], (b, x) =>
      b.op('dense', [x, weight(b, 'w', [70, 67], 4), weight(b, 'b', [67], 5)], { activation, alpha: activation === 'elu' ? 0.7 : 0 }),
    );
    await expectMatches(g, [1, 17, 70]);
  });

  it('dense with a computed weight and bias and a residual, tiled and per output; a residual after softmax is refused', async () => {
    for (const [k, n] of [
      [70, 67],
      [24, 5],
    ] as const) {
      const b = new GraphBuilder();
      const x = b.input('x', tensorType([null, k]));
      const w = b.input('w', tensorType([k, n]));
      const bias = b.input('b', tensorType([n]));
      const r = b.input('r', tensorType([null, n]));
      b.output('y', b.op('dense', [x, w, bias, r], { activation: 'relu', residual: true }));
      b.output('z', b.op('dense', [x, w, r], { residual: true }));
      await expectMatches(b.build(), [1, 17, 70]);
    }
    const g = single([null, 4], (b, x) => b.op('dense', [x, weight(b, 'w', [4, 4], 1), x], { activation: 'softmax', residual: true }));
    await expect(buildWebGpuBundle(g, { optimize: false })).rejects.toThrow(/NNC4001.*residual after a softmax/);
  });

  it('small dense layers take the per-output kernel at every batch', async () => {
    const g = single([null, 24], (b, x) => b.op('dense', [x, weight(b, 'w', [24, 5], 6), weight(b, 'b', [5], 7)], { activation: 'tanh' }));
    const [dispatch] = buildProgram(g, planMemory(g)).dispatches;
    expect([dispatch!.rowsPerGroup, dispatch!.fewRows]).toEqual([1, undefined]);
    await expectMatches(g, [1, 100]);
  });

  it('softmax along a middle axis and along rows longer than a workgroup', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 5, 3]));
    const long = b.input('long', tensorType([null, 300]));
    b.output('middle', b.op('softmax', [x], { axis: 1 }));
    b.output('long', b.op('softmax', [long], { axis: -1 }));
    await expectMatches(b.build(), [1, 8]);
  });

  it('concat along inner axes, with a weight operand', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 2, 3]));
    const z = b.input('z', tensorType([null, 2, 4]));
    const inner = b.op('concat', [x, z], { axis: 2 });
    const rows = b.op('concat', [x, b.op('relu', [x])], { axis: 1 });
    b.output('inner', inner);
    b.output('rows', rows);
    await expectMatches(b.build(), [1, 6]);
  });

  it('log_softmax and argmax along short, long and inner axes', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 5, 3]));
    const long = b.input('long', tensorType([null, 200]));
    b.output('log_inner', b.op('log_softmax', [x], { axis: 1 }));
    b.output('log_long', b.op('log_softmax', [long], { axis: -1 }));
    b.output('argmax_inner', b.op('argmax', [x], { axis: 1 }));
    b.output('argmax_long', b.op('argmax', [long], { axis: -1 }));
    await expectMatches(b.build(), [1, 9]);
  });

  it('reduce_sum, reduce_mean and reduce_max along the batch, inner and all axes, keepdims on and off', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 3, 4]));
    const cases: [string, number[], boolean][] = [
      ['batch', [0], false],
      ['batch_kept', [0], true],
      ['last', [-1], false],
      ['middle_kept', [1], true],
      ['batch_and_last', [0, 2], false],
      ['all', [], false],
      ['all_kept', [], true],
    ];
    for (const [name, axes, keepdims] of cases) {
      b.output(`sum_${name}`, b.op('reduce_sum', [x], { axes, keepdims }));
      b.output(`mean_${name}`, b.op('reduce_mean', [x], { axes, keepdims }));
      b.output(`max_${name}`, b.op('reduce_max', [x], { axes, keepdims }));
    }
    await expectMatches(b.build(), [1, 3, 33]);
  });

  it('softmax, log_softmax and argmax along the batch axis: a line spans the batch', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 5]));
    b.output('softmax', b.op('softmax', [x], { axis: 0 }));
    b.output('log_softmax', b.op('log_softmax', [x], { axis: 0 }));
    b.output('argmax', b.op('argmax', [x], { axis: 0 }));
    await expectMatches(b.build(), [1, 3, 33]);
  });

  it('unreduce (sum and mean) back over the batch, an inner axis and all axes', async () => {
    const b = new GraphBuilder();
    const ref = b.input('ref', tensorType([null, 3, 4]));
    const over = (name: string, shape: Shape, attrs: Attrs) => b.output(name, b.op('unreduce', [b.input(`g_${name}`, tensorType(shape)), ref], attrs));
    over('batch', [3, 4], { axes: [0] });
    over('inner_kept', [null, 1, 4], { axes: [1], keepdims: true, mean: true });
    over('all', [], { mean: true });
    await expectMatches(b.build(), [1, 3, 33]);
  });

  it('one_hot and dropout_train match the interpreter exactly on chosen labels and seeds', async () => {
    const b = new GraphBuilder();
    const labels = b.input('labels', tensorType([null]));
    const x = b.input('x', tensorType([null, 7]));
    const seed = b.input('seed', tensorType([]));
    b.output('one_hot', b.op('one_hot', [labels], { depth: 4 }));
    b.output('dropped', b.op('dropout_train', [x, seed], { rate: 0.3 }));
    const graph = b.build();
    const model = await (await (await buildWebGpuBundle(graph, { optimize: false })).import()).load({ gpu: await dawnGpu() });
    try {
      for (const [rows, s] of [[1, 0], [3, -7.5], [12, 3e9], [33, 12345]] as const) {
        const flat = {
          labels: Float32Array.from({ length: rows }, (_, i) => [0, 3, 2, -1, 4, 1.5][i % 6]!),
          x: Float32Array.from({ length: rows * 7 }, (_, i) => Math.sin(i + 1)),
          seed: Float32Array.of(s),
        };
        const want = interpret(graph, { labels: tensor([rows], flat.labels), x: tensor([rows, 7], flat.x), seed: tensor([], flat.seed) });
        const got = byName(await model.predict(predictInput(graph, flat), rows), ['one_hot', 'dropped']);
        expect(Array.from(got.one_hot!)).toEqual(Array.from(want.one_hot!.data));
        const zeros = (a: ArrayLike<number>) => Array.from(a, (v) => v === 0);
        expect(zeros(got.dropped!), `mask at ${rows} rows, seed ${s}`).toEqual(zeros(want.dropped!.data));
        expect(maxAbsDiff(got.dropped!, want.dropped!.data)).toBeLessThanOrEqual(1e-5 * 2);
      }
    } finally {
      await model.dispose();
    }
  });

  it('slice and pad along inner axes', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 4, 6]));
    b.output('slice', b.op('slice', [x], { axis: 2, begin: 2, size: 3 }));
    b.output('pad', b.op('pad', [x], { axis: 1, before: 2, after: 1 }));
    await expectMatches(b.build(), [1, 5]);
  });

  it('identity and dropout copy only when the memory plan gives them storage of their own', async () => {
    const g = single([null, 7], (b, x) => b.op('identity', [b.op('dropout', [b.op('tanh', [x])], { rate: 0.5 })]));
    await expectMatches(g, [1, 5]);
  });

  it('split along inner axes, without the results DCE dropped: one dispatch per result read', async () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType([null, 4, 6]));
    const [p, q, r] = b.multi('split', [x], { axis: 2, sizes: [1, 3, 2] });
    const [m] = b.multi('split', [b.op('tanh', [x])], { axis: -2, sizes: [3, 1] });
    b.output('p', p!);
    b.output('q', b.op('relu', [q!]));
    b.output('r', r!);
    b.output('m', b.op('add', [m!, weight(b, 'w', [3, 6], 8)]));
    const g = eliminateDeadCode(b.build());
    const splits = buildProgram(g, planMemory(g)).dispatches.filter((d) => d.label.startsWith('result '));
    expect(splits).toHaveLength(4); // 3 + 1: the result nothing reads gets no kernel
    await expectMatches(g, [1, 7]);
  });

  it('reshape is free: a flatten between two matmuls adds no dispatch', async () => {
    const g = single([null, 4, 6], (b, x) => {
      const flat = b.op('reshape', [x], { shape: [24] });
      return b.op('matmul', [b.op('relu', [flat]), weight(b, 'w', [24, 5], 6)]);
    });
    const bundle = await buildWebGpuBundle(g, { optimize: false });
    const { readFileSync } = await import('node:fs');
    const js = readFileSync(`${bundle.dir}/model.webgpu.js`, 'utf8');
    expect(js.match(/"label": /g)?.length).toBe(2);
    await expectMatches(g, [3]);
  });
});
