import { describe, expect, it } from 'vitest';
import type { Graph } from '../../src/ir/graph.js';
import { interpret } from '../../src/ir/interpreter.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { parseGraph } from '../../src/ir/parser.js';
import { tensor } from '../../src/ir/tensor.js';
import { graphIsRowLocal, isRowLocal, nonRowLocalNodes } from '../../src/ir/traits.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { optimize } from '../../src/passes/index.js';
import { loadFixtureGraphs } from '../passes/fixture-graphs.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';

/** Seeded values in [-1, 1). */
function values(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s / 2147483648) * 2 - 1;
  });
}

/**
 * Runs a graph whose inputs are all [?, ...] on `batch` rows at once and on the rows split in two,
 * and returns the largest difference between the outputs (concatenated along axis 0).
 */
function splitDifference(graph: Graph, batch: number, cut: number): number {
  const full: Record<string, ReturnType<typeof tensor>> = {};
  const parts: Record<string, ReturnType<typeof tensor>>[] = [{}, {}];
  graph.inputs.forEach((n, k) => {
    const rowShape = n.type.shape.slice(1) as number[];
    const per = rowShape.reduce((p, d) => p * d, 1);
    const data = values(batch * per, 11 + k);
    full[n.name!] = tensor([batch, ...rowShape], data);
    parts[0]![n.name!] = tensor([cut, ...rowShape], data.slice(0, cut * per));
    parts[1]![n.name!] = tensor([batch - cut, ...rowShape], data.slice(cut * per));
  });
  const whole = interpret(graph, full);
  const [a, b] = parts.map((p) => interpret(graph, p));
  let worst = 0;
  for (const o of graph.outputs) {
    const joined = new Float32Array([...a![o.name]!.data, ...b![o.name]!.data]);
    if (joined.length !== whole[o.name]!.data.length) return Infinity;
    worst = Math.max(worst, maxAbsDiff(joined, whole[o.name]!.data));
  }
  return worst;
}

/** One node over %x: f32[?,3,4] (and %y of the same type, %w: f32[4,5]), its result the output. */
const oneNode = (line: string, type: string) =>
  parseGraph(`%x = input : f32[?,3,4]\n%y = input : f32[?,3,4]\n%w = weight : f32[4,5]\n%0 = ${line} : ${type}\noutput "out" = %0\n`, {
    weights: new Map([['w', values(20, 3)]]),
  });

describe('op traits', () => {
  it('elementwise is declared exactly by the ops with scalar math; views take one operand, sources none', () => {
    for (const def of opRegistry.values()) {
      expect(def.traits.elementwise === true, def.name).toBe(def.scalar !== undefined);
      if (def.traits.view || def.traits.passThrough) expect(def.arity, def.name).toBe(1);
      if (def.traits.source) expect(def.arity, def.name).toBe(0);
      if (def.traits.commutative) expect([def.traits.elementwise, def.arity], def.name).toEqual([true, 2]);
    }
    expect([...opRegistry.values()].filter((d) => d.traits.commutative).map((d) => d.name)).toEqual(['add', 'mul', 'equal', 'and', 'or', 'xor']);
    expect([...opRegistry.values()].filter((d) => d.traits.source).map((d) => [d.name, d.traits.source])).toEqual([
      ['input', 'input'],
      ['weight', 'constant'],
      ['const', 'constant'],
    ]);
    expect([...opRegistry.values()].filter((d) => d.traits.view).map((d) => d.name)).toEqual(['reshape']);
  });

  it('commutative ops give the same result with their operands swapped', () => {
    for (const op of ['add', 'mul']) {
      const ab = oneNode(`${op} %x, %y`, 'f32[?,3,4]');
      const ba = oneNode(`${op} %y, %x`, 'f32[?,3,4]');
      const inputs = { x: tensor([2, 3, 4], values(24, 1)), y: tensor([2, 3, 4], values(24, 2)) };
      expect(interpret(ab, inputs).out!.data).toEqual(interpret(ba, inputs).out!.data);
    }
  });

  // Each case: the node, its type, whether it is row-local. The claim is checked against the
  // interpreter: a row-local node gives the same rows on a batch split in two; the others do not.
  const cases: [string, string, boolean][] = [
    ['relu %x', 'f32[?,3,4]', true],
    ['add %x, %y', 'f32[?,3,4]', true],
    ['elementwise %x, %y {expr="mul(tanh($0),$1)"}', 'f32[?,3,4]', true],
    ['matmul %x, %w', 'f32[?,3,5]', true],
    ['dense %x, %w {activation="softmax"}', 'f32[?,3,5]', true],
    ['softmax %x {axis=-1}', 'f32[?,3,4]', true],
    ['softmax %x {axis=1}', 'f32[?,3,4]', true],
    ['softmax %x {axis=0}', 'f32[?,3,4]', false],
    ['log_softmax %x {axis=0}', 'f32[?,3,4]', false],
    ['argmax %x {axis=2}', 'f32[?,3]', true],
    ['argmax %x {axis=0}', 'f32[3,4]', false],
    ['reshape %x {shape=[12]}', 'f32[?,12]', true],
    ['concat %x, %y {axis=1}', 'f32[?,6,4]', true],
    ['slice %x {axis=2, begin=1, size=2}', 'f32[?,3,2]', true],
    ['pad %x {axis=1, before=1}', 'f32[?,4,4]', true],
    ['reduce_sum %x {axes=[1,2]}', 'f32[?]', true],
    ['reduce_sum %x {axes=[0]}', 'f32[3,4]', false],
    ['reduce_mean %x {axes=[0], keepdims=true}', 'f32[1,3,4]', false],
    ['reduce_mean %x', 'f32[]', false],
    ['matmul_tn %x, %y', 'f32[4,4]', false],
    ['one_hot %x {depth=3}', 'f32[?,3,4,3]', true],
  ];
  for (const [line, type, rowLocal] of cases) {
    it(`${line}: ${rowLocal ? 'row-local' : 'reads across the batch'}`, () => {
      const graph = oneNode(line, type);
      verifyGraph(graph, { requireWeightData: true });
      const node = graph.outputs[0]!.node;
      expect(isRowLocal(node)).toBe(rowLocal);
      expect(graphIsRowLocal(graph)).toBe(rowLocal);
      expect(nonRowLocalNodes(graph)).toEqual(rowLocal ? [] : [node]);
      const difference = splitDifference(graph, 5, 2);
      if (rowLocal) expect(difference).toBeLessThanOrEqual(1e-6);
      else expect(difference).toBeGreaterThan(1e-3);
    });
  }

  it('a node none of whose operands has a batch axis is row-local whatever its op', () => {
    const graph = parseGraph(`%x = input : f32[?,4]\n%w = weight : f32[3,4]\n%0 = reduce_sum %w {axes=[0]} : f32[4]\n%1 = add %x, %0 : f32[?,4]\noutput "y" = %1\n`);
    expect(graph.nodes.map(isRowLocal)).toEqual([true, true, true, true]);
    expect(graphIsRowLocal(graph)).toBe(true);
  });

  it('every fixture model is row-local, before and after the pipeline', () => {
    for (const { name, graph } of loadFixtureGraphs()) {
      expect(nonRowLocalNodes(graph), name).toEqual([]);
      expect(graphIsRowLocal(optimize(graph)), name).toBe(true);
    }
  });
});
