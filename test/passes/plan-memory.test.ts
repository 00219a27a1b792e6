import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../../src/ir/graph.js';
import { interpret, type TensorMap } from '../../src/ir/interpreter.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { parseGraph } from '../../src/ir/parser.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { isViewOp } from '../../src/ir/traits.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { concreteShape, elementCount, sameType } from '../../src/ir/types.js';
import { optimize, planMemory, SLOT_ALIGN, type MemoryPlan, type MemorySlot } from '../../src/passes/index.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { BRANCHING_FIXTURES, loadFixtureGraphs } from './fixture-graphs.js';
import { ir } from './pass-case.js';

const fixtures = loadFixtureGraphs();
const isView = (n: Node) => isViewOp(n.op);

/** The value a view ultimately reads (views hold their operand's bytes). */
function dataOf(n: Node): Node {
  return isView(n) ? dataOf(n.inputs[0]!) : n;
}

/**
 * Checks the plan pair by pair: two values alive at the same time may share bytes only if one
 * is a view of the other, or if the later one is written in place, by an elementwise node of the
 * same type, over data whose last reader is that very node.
 */
function expectNoLiveOverlap(graph: Graph, plan: MemoryPlan): void {
  const index = new Map(graph.nodes.map((n, i) => [n, i]));
  // A projection is written by its multi-result node.
  const born = (n: Node) => (n.op === 'input' ? -1 : n.op === 'result' ? index.get(n.inputs[0]!)! : index.get(n)!);
  const planned = [...plan.slots.keys()];
  for (const [i, a] of planned.entries()) {
    for (const b of planned.slice(i + 1)) {
      const [sa, sb] = [plan.slots.get(a)!, plan.slots.get(b)!];
      const bytesOverlap = sa.offsetPerRow < sb.offsetPerRow + sb.bytesPerRow && sb.offsetPerRow < sa.offsetPerRow + sa.bytesPerRow;
      const timeOverlap = born(a) <= plan.lastUse.get(b)! && born(b) <= plan.lastUse.get(a)!;
      if (!bytesOverlap || !timeOverlap || dataOf(a) === dataOf(b)) continue;
      const [early, late] = born(a) < born(b) ? [a, b] : [b, a];
      const writer = graph.nodes[born(late)]!;
      const inPlace =
        plan.lastUse.get(early) === born(late) &&
        opRegistry.get(writer.op)?.scalar !== undefined &&
        sameType(early.type, late.type) &&
        writer.inputs.some((o) => plan.slots.get(o) !== undefined && dataOf(o) === dataOf(early));
      expect(inPlace, `live values ${early.op}#${born(early)} and ${late.op}#${born(late)} share bytes`).toBe(true);
    }
  }
}

/**
 * Runs the graph with every planned value stored in one arena at its slot, operands read back
 * from the arena: if the plan let a value be overwritten while still needed, outputs change.
 */
function interpretInArena(graph: Graph, plan: MemoryPlan, inputs: TensorMap, batch: number): TensorMap {
  const arena = new Float32Array((batch * plan.peakBytesPerRow) / 4);
  const scratch = new Map<Node, Tensor>(); // weights, consts and views of them: not in the arena
  const projections = graph.projections();
  const read = (n: Node): Tensor => {
    const slot = plan.slots.get(n);
    if (!slot) return scratch.get(n)!;
    const shape = concreteShape(n.type.shape, batch);
    const start = (batch * slot.offsetPerRow) / 4;
    return tensor(shape, arena.slice(start, start + elementCount(shape)));
  };
  for (const n of graph.nodes) {
    const shape = concreteShape(n.type.shape, batch);
    if (n.op === 'result') continue; // written by its multi-result node, below
    if (n.results) {
      // Every result goes to its projection's slot at once, as the kernels write them.
      const outs = n.results.map((t) => ({ dtype: t.dtype, shape: concreteShape(t.shape, batch) }));
      const values = opRegistry.get(n.op)!.evaluateResults!(n.inputs.map(read), n.attrs, outs);
      projections.get(n)!.forEach((p, k) => p && arena.set(values[k]!.data, (batch * plan.slots.get(p)!.offsetPerRow) / 4));
      continue;
    }
    const value =
      n.op === 'input'
        ? inputs[n.name!]!
        : n.op === 'weight'
          ? tensor(shape, graph.weights.get(n.name!)!)
          : opRegistry.get(n.op)!.evaluate(n.inputs.map(read), n.attrs, { dtype: n.type.dtype, shape });
    const slot = plan.slots.get(n);
    if (slot) arena.set(value.data, (batch * slot.offsetPerRow) / 4);
    else scratch.set(n, value);
  }
  return Object.fromEntries(graph.outputs.map((o) => [o.name, read(o.node)]));
}

function expectPlanSound(graph: Graph): MemoryPlan {
  verifyGraph(graph, { requireWeightData: true });
  const plan = planMemory(graph);
  for (const n of graph.nodes) expect(plan.slots.has(n)).toBe(n.op !== 'weight' && n.op !== 'const' && !n.results && !(isView(n) && !plan.slots.has(n.inputs[0]!)));
  for (const slot of plan.slots.values()) {
    expect(slot.offsetPerRow % SLOT_ALIGN).toBe(0);
    expect(slot.offsetPerRow + slot.bytesPerRow).toBeLessThanOrEqual(plan.peakBytesPerRow);
  }
  expectNoLiveOverlap(graph, plan);
  for (const batch of [1, 4]) {
    const { tensors } = randomInputs(graph, batch, 5);
    const want = interpret(graph, tensors);
    const got = interpretInArena(graph, plan, tensors, batch);
    for (const o of graph.outputs) expect(maxAbsDiff(got[o.name]!.data, want[o.name]!.data)).toBe(0);
  }
  return plan;
}

describe('planMemory', () => {
  it.each(fixtures.map((f) => [f.name, f.graph] as const))('never lets live values of %s share bytes, before and after optimize', (_name, graph) => {
    expectPlanSound(graph);
    expectPlanSound(optimize(graph));
  });

  it.each(BRANCHING_FIXTURES)('reuses buffers in %s: peak below one buffer per value', (name) => {
    const plan = planMemory(optimize(fixtures.find((f) => f.name === name)!.graph));
    expect(plan.peakBytesPerRow).toBeLessThan(plan.naiveBytesPerRow);
  });

  it('plans the optimized seed model: the softmax output reuses the dead input bytes', () => {
    const graph = optimize(fixtures.find((f) => f.name === 'seed-sequential')!.graph);
    const plan = expectPlanSound(graph);
    const [input, hidden, probs] = graph.nodes.filter((n) => n.op !== 'weight');
    expect(plan.slots.get(input!)).toEqual({ offsetPerRow: 0, bytesPerRow: 784 * 4 });
    expect(plan.slots.get(hidden!)).toEqual({ offsetPerRow: 784 * 4, bytesPerRow: 128 * 4 });
    expect(plan.slots.get(probs!)).toEqual({ offsetPerRow: 0, bytesPerRow: 10 * 4 });
    expect(plan.peakBytesPerRow).toBe((784 + 128) * 4);
    expect(plan.naiveBytesPerRow).toBe((784 + 128 + 12) * 4);
  });

  it('has checks that catch a plan overlapping live values', () => {
    const graph = optimize(fixtures.find((f) => f.name === 'two-outputs')!.graph);
    const plan = planMemory(graph);
    const [trunk, kind] = graph.nodes.filter((n) => n.op === 'dense');
    // The first head written over the trunk, which the second head still has to read.
    const slots = new Map(plan.slots).set(kind!, { offsetPerRow: plan.slots.get(trunk!)!.offsetPerRow, bytesPerRow: 4 * 4 });
    const broken: MemoryPlan = { ...plan, slots };
    expect(() => expectNoLiveOverlap(graph, broken)).toThrow(/share bytes/);
    const { tensors } = randomInputs(graph, 2, 5);
    expect(maxAbsDiff(interpretInArena(graph, broken, tensors, 2).score!.data, interpret(graph, tensors).score!.data)).toBeGreaterThan(0);
  });

  it('gives views their operand bytes and works in place over elementwise operands that die', () => {
    const weights = new Map([['w', Float32Array.from([1, -1, 2, 0.5])]]);
    const graph = parseGraph(
      ir`
        %x = input : f32[?,2,3]
        %w = weight : f32[2,2]
        %0 = reshape %x {shape=[6]} : f32[?,6]
        %1 = tanh %0 : f32[?,6]
        %2 = reshape %1 {shape=[3,2]} : f32[?,3,2]
        %3 = dense %2, %w : f32[?,3,2]
        %4 = relu %3 : f32[?,3,2]
        %5 = add %4, %3 : f32[?,3,2]
        %6 = sigmoid %5 : f32[?,3,2]
        output "y" = %6
        output "t" = %2
      `,
      { weights },
    );
    const plan = expectPlanSound(graph);
    const [x, , flat, t, tView, d, r, sum, out] = graph.nodes;
    expect(plan.slots.get(flat!)).toEqual(plan.slots.get(x!));
    expect(plan.slots.get(tView!)).toEqual(plan.slots.get(t!));
    expect(plan.lastUse.get(t!)).toBe(4); // read last by its view ...
    expect(plan.lastUse.get(tView!)).toBe(graph.nodes.length); // ... an output, which keeps the shared bytes alive
    expect(plan.slots.get(r!)!.offsetPerRow).not.toBe(plan.slots.get(d!)!.offsetPerRow); // %3 is read again by %5
    expect(plan.slots.get(sum!)!.offsetPerRow).toBe(plan.slots.get(r!)!.offsetPerRow); // in place over %4, its first operand to die there
    expect(plan.slots.get(out!)!.offsetPerRow).toBe(plan.slots.get(sum!)!.offsetPerRow); // in place over %5
  });

  it('gives a value without a batch axis its whole size per row, and leaves weights and consts out', () => {
    const weights = new Map([['a', new Float32Array(64).fill(0.5)], ['b', new Float32Array(64).fill(2)]]);
    const graph = parseGraph(
      ir`
        %x = input : f32[?,64,64]
        %a = weight : f32[64,1]
        %b = weight : f32[1,64]
        %c = const {value=[3]} : f32[1]
        %0 = mul %a, %b : f32[64,64]
        %1 = add %x, %0 : f32[?,64,64]
        %2 = mul %1, %c : f32[?,64,64]
        output "y" = %2
      `,
      { weights },
    );
    const plan = expectPlanSound(graph);
    expect(plan.slots.get(graph.nodes[4]!)!.bytesPerRow).toBe(64 * 64 * 4);
    expect([...plan.slots.keys()].map((n) => n.op)).toEqual(['input', 'mul', 'add', 'mul']);
  });

  it('gives each result of a split its own slot, live from the split on, and reuses the bytes once they die', () => {
    const graph = parseGraph(ir`
      %x = input : f32[?,12]
      %0, %1, _ = split %x {axis=1, sizes=[4,4,4]} : f32[?,4], f32[?,4], f32[?,4]
      %2 = mul %0, %1 : f32[?,4]
      %3 = concat %2, %2 {axis=1} : f32[?,8]
      %4 = slice %x {axis=1, begin=4, size=8} : f32[?,8]
      %5 = add %3, %4 : f32[?,8]
      output "y" = %5
    `);
    const plan = expectPlanSound(graph);
    const [x, splitNode, a, b, , cat] = graph.nodes;
    const [sx, sa, sb] = [plan.slots.get(x!)!, plan.slots.get(a!)!, plan.slots.get(b!)!];
    const overlap = (p: MemorySlot, q: MemorySlot) => p.offsetPerRow < q.offsetPerRow + q.bytesPerRow && q.offsetPerRow < p.offsetPerRow + p.bytesPerRow;
    expect(plan.slots.has(splitNode!)).toBe(false); // the split itself owns no bytes
    expect([sa.bytesPerRow, sb.bytesPerRow]).toEqual([16, 16]);
    // Both results are written by the split while it reads %x, and %x stays live: three disjoint ranges.
    expect([overlap(sa, sb), overlap(sa, sx), overlap(sb, sx)]).toEqual([false, false, false]);
    expect([plan.lastUse.get(a!), plan.lastUse.get(b!)]).toEqual([4, 4]); // read last by the mul
    // The concat, born after both died, takes bytes one of them had.
    expect(overlap(plan.slots.get(cat!)!, sa) || overlap(plan.slots.get(cat!)!, sb)).toBe(true);
    expect(plan.peakBytesPerRow).toBeLessThan(plan.naiveBytesPerRow);
    // An operand that dies at the split still overlaps the results in time: they are written while it is read.
    const dying = parseGraph(ir`
      %x = input : f32[?,8]
      %0, %1 = split %x {axis=1, sizes=[4,4]} : f32[?,4], f32[?,4]
      %2 = sub %0, %1 : f32[?,4]
      output "y" = %2
    `);
    const p2 = expectPlanSound(dying);
    const [x2, , a2, b2] = dying.nodes;
    expect([overlap(p2.slots.get(a2!)!, p2.slots.get(x2!)!), overlap(p2.slots.get(b2!)!, p2.slots.get(x2!)!)]).toEqual([false, false]);
  });

  it('rejects a value with two symbolic axes', () => {
    const graph = parseGraph('%x = input : f32[?,?]\n%0 = relu %x : f32[?,?]\noutput "y" = %0\n');
    expect(() => planMemory(graph)).toThrow(/NNC2007.*only the batch axis may be symbolic/);
  });
});
