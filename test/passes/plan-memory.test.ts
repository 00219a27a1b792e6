import { describe, expect, it } from 'vitest';
import type { Graph, Node } from '../../src/ir/graph.js';
import { interpret, type TensorMap } from '../../src/ir/interpreter.js';
import { opRegistry } from '../../src/ir/ops/index.js';
import { parseGraph } from '../../src/ir/parser.js';
import { tensor, type Tensor } from '../../src/ir/tensor.js';
import { isViewOp } from '../../src/ir/traits.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { concreteShape, elementCount, sameType } from '../../src/ir/types.js';
import { atRows, optimize, planMemory, SLOT_ALIGN, type BlockReader, type MemoryPlan, type MemorySlot, type ScratchRequest, type SharedScratchRequest } from '../../src/passes/index.js';
import type { OverwriteRequest } from '../../src/passes/memory-plan-types.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { BRANCHING_FIXTURES, loadFixtureGraphs } from './fixture-graphs.js';
import { ir } from './pass-case.js';
import { Trainer } from '../../src/train/trainer.js';
import { wasmBlockReader, wasmOverwrites, wasmScratch } from '../../src/codegen/wasm/kernels/index.js';
import { layers, sequential } from '../../src/frontend/index.js';
import { loadModelFile } from '../../src/frontend/loader.js';

const fixtures = loadFixtureGraphs();
const isView = (n: Node) => isViewOp(n.op);

/**
 * The value whose bytes `n` reads: views hold their operand's, and a split piece the plan leaves
 * inside its operand (a slot of blocks) holds the operand's.
 */
function dataOf(n: Node, plan?: MemoryPlan): Node {
  if (isView(n)) return dataOf(n.inputs[0]!, plan);
  if (n.op === 'result' && plan?.slots.get(n)?.blocks) return dataOf(n.inputs[0]!.inputs[0]!, plan);
  return n;
}

/** Batch sizes at which affine slots are compared (offsets and sizes are linear in the batch). */
const BATCHES = [1, 3, 64];

/** Byte range [start, end) of a slot for a call of `batch` rows. */
function bytesAt(slot: MemorySlot, batch: number): [number, number] {
  const start = atRows(slot.offset, batch);
  return [start, start + atRows(slot.size, batch)];
}

/** Whether two slots share a byte for some batch size. */
function slotsOverlap(p: MemorySlot, q: MemorySlot): boolean {
  return BATCHES.some((batch) => {
    const [[ps, pe], [qs, qe]] = [bytesAt(p, batch), bytesAt(q, batch)];
    return ps < qe && qs < pe;
  });
}

/**
 * Checks the plan pair by pair: two values alive at the same time may share bytes only if one
 * is a view of the other, or if the later one is written in place, by an elementwise node of the
 * same type, over data whose last reader is that very node. A kernel's scratch shares bytes with
 * nothing alive while its node runs.
 */
function expectNoLiveOverlap(graph: Graph, plan: MemoryPlan, overwrites: OverwriteRequest = () => undefined): void {
  const index = new Map(graph.nodes.map((n, i) => [n, i]));
  // A projection is written by its multi-result node.
  const born = (n: Node) => (n.op === 'input' ? -1 : n.op === 'result' ? index.get(n.inputs[0]!)! : index.get(n)!);
  const planned = [...plan.slots.keys()];
  for (const [i, a] of planned.entries()) {
    for (const b of planned.slice(i + 1)) {
      const [sa, sb] = [plan.slots.get(a)!, plan.slots.get(b)!];
      const bytesOverlap = slotsOverlap(sa, sb);
      const timeOverlap = born(a) <= plan.lastUse.get(b)! && born(b) <= plan.lastUse.get(a)!;
      if (!bytesOverlap || !timeOverlap || dataOf(a, plan) === dataOf(b, plan)) continue;
      const [early, late] = born(a) < born(b) ? [a, b] : [b, a];
      const writer = graph.nodes[born(late)]!;
      // Over an operand that dies there: an elementwise writer, or the operand its kernel says it overwrites.
      const overwritten = overwrites(writer);
      const inPlace =
        plan.lastUse.get(early) === born(late) &&
        sameType(early.type, late.type) &&
        (opRegistry.get(writer.op)?.scalar !== undefined
          ? writer.inputs.some((o) => plan.slots.get(o) !== undefined && dataOf(o, plan) === dataOf(early, plan))
          : overwritten !== undefined && dataOf(writer.inputs[overwritten]!, plan) === dataOf(early, plan));
      expect(inPlace, `live values ${early.op}#${born(early)} and ${late.op}#${born(late)} share bytes`).toBe(true);
    }
  }
  for (const [node, scratch] of plan.scratch) {
    const j = index.get(node)!;
    for (const v of planned)
      if (born(v) <= j && j <= plan.lastUse.get(v)!) expect(slotsOverlap(scratch, plan.slots.get(v)!), `scratch of #${j} overlaps ${v.op}#${born(v)}`).toBe(false);
    for (const [other, s] of plan.scratch) if (other !== node && index.get(other) === j) expect(slotsOverlap(scratch, s)).toBe(false);
  }
  // A shared buffer lives from its first member to its last: nothing else live then may share its bytes.
  const sharedSpans = new Map<MemorySlot, { first: number; last: number }>();
  for (const [node, { slot }] of plan.shared) {
    const j = index.get(node)!;
    const span = sharedSpans.get(slot) ?? { first: j, last: j };
    sharedSpans.set(slot, { first: Math.min(span.first, j), last: Math.max(span.last, j) });
  }
  for (const [slot, { first, last }] of sharedSpans) {
    for (const v of planned)
      if (born(v) <= last && first <= plan.lastUse.get(v)!) expect(slotsOverlap(slot, plan.slots.get(v)!), `shared scratch of #${first}..#${last} overlaps ${v.op}#${born(v)}`).toBe(false);
    for (const [node, s] of plan.scratch) if (first <= index.get(node)! && index.get(node)! <= last) expect(slotsOverlap(slot, s)).toBe(false);
    for (const [other, span] of sharedSpans) if (other !== slot && span.first <= last && first <= span.last) expect(slotsOverlap(slot, other)).toBe(false);
  }
}

/** Asks for scratch at every computing node: fixed, per-row and mixed sizes in turn. */
const scratchEverywhere: ScratchRequest = (node) =>
  node.op === 'input' || node.op === 'weight' || node.op === 'const' ? undefined : [{ fixedBytes: 40, bytesPerRow: 0 }, { fixedBytes: 0, bytesPerRow: 24 }, { fixedBytes: 8, bytesPerRow: 12 }][node.id % 3];

/** Asks for shared scratch at every computing node, one buffer per op: each spans its op's first to last node. */
const sharedPerOp: SharedScratchRequest = (node) => (node.op === 'input' || node.op === 'weight' || node.op === 'const' || node.op === 'result' ? undefined : { key: node.op, bytes: 48 });

/** What a shared buffer's first member writes, which its later members must find intact. */
const SHARED_FILL = 12345.5;

/**
 * Runs the graph with every planned value stored in one arena at its slot, operands read back
 * from the arena: if the plan let a value be overwritten while still needed, outputs change.
 */
function interpretInArena(graph: Graph, plan: MemoryPlan, inputs: TensorMap, batch: number): TensorMap {
  const arena = new Float32Array(atRows(plan.peak, batch) / 4);
  // Scratch is scribbled over while its node runs: a value placed there would be corrupted.
  const scribble = (n: Node) => {
    const slot = plan.scratch.get(n);
    if (slot) arena.fill(NaN, ...bytesAt(slot, batch).map((b) => b / 4));
  };
  const scratch = new Map<Node, Tensor>(); // weights, consts and views of them: not in the arena
  const projections = graph.projections();
  const read = (n: Node): Tensor => {
    const slot = plan.slots.get(n);
    if (!slot) return scratch.get(n)!;
    const shape = concreteShape(n.type.shape, batch);
    const start = atRows(slot.offset, batch) / 4;
    if (!slot.blocks) return tensor(shape, arena.slice(start, start + elementCount(shape)));
    // A split piece left in its operand: one block per row, a pitch apart.
    const [block, pitch] = [slot.blocks.bytes / 4, slot.blocks.pitch / 4];
    const data = new Float32Array(elementCount(shape));
    for (let r = 0; r < data.length / block; r++) data.set(arena.subarray(start + r * pitch, start + r * pitch + block), r * block);
    return tensor(shape, data);
  };
  for (const n of graph.nodes) {
    const shape = concreteShape(n.type.shape, batch);
    if (n.op === 'result') continue; // written by its multi-result node, below
    const operands = n.inputs.map(read);
    scribble(n);
    const shared = plan.shared.get(n);
    if (shared) {
      const [from, to] = bytesAt(shared.slot, batch).map((b) => b / 4) as [number, number];
      if (shared.fills) arena.fill(SHARED_FILL, from, to);
      else expect(arena.subarray(from, to).every((x) => x === SHARED_FILL), `shared scratch intact at ${n.op}#${n.id}`).toBe(true);
    }
    if (n.results) {
      // Every result goes to its projection's slot at once, as the kernels write them.
      const outs = n.results.map((t) => ({ dtype: t.dtype, shape: concreteShape(t.shape, batch) }));
      const values = opRegistry.get(n.op)!.evaluateResults!(operands, n.attrs, outs);
      // A piece left in place is in its operand already: the kernel writes nothing for it.
      projections.get(n)!.forEach((p, k) => p && !plan.slots.get(p)!.blocks && arena.set(values[k]!.data, atRows(plan.slots.get(p)!.offset, batch) / 4));
      continue;
    }
    const value =
      n.op === 'input'
        ? inputs[n.name!]!
        : n.op === 'weight'
          ? tensor(shape, graph.weights.get(n.name!)!)
          : opRegistry.get(n.op)!.evaluate(operands, n.attrs, { dtype: n.type.dtype, shape });
    const slot = plan.slots.get(n);
    // A view of a piece left in place reads its blocks where they are.
    if (slot?.blocks) continue;
    if (slot) arena.set(value.data, atRows(slot.offset, batch) / 4);
    else scratch.set(n, value);
  }
  return Object.fromEntries(graph.outputs.map((o) => [o.name, read(o.node)]));
}

function expectPlanSound(graph: Graph, scratchOf?: ScratchRequest, blockReader?: BlockReader, sharedOf?: SharedScratchRequest, overwrites?: OverwriteRequest): MemoryPlan {
  verifyGraph(graph, { requireWeightData: true });
  const plan = planMemory(graph, scratchOf, blockReader, sharedOf, overwrites);
  for (const n of graph.nodes) expect(plan.slots.has(n)).toBe(n.op !== 'weight' && n.op !== 'const' && !n.results && !(isView(n) && !plan.slots.has(n.inputs[0]!)));
  for (const slot of [...plan.slots.values(), ...plan.scratch.values(), ...[...plan.shared.values()].map((s) => s.slot)]) {
    for (const batch of BATCHES) {
      if (!slot.blocks) expect(atRows(slot.offset, batch) % SLOT_ALIGN).toBe(0);
      expect(bytesAt(slot, batch)[1]).toBeLessThanOrEqual(atRows(plan.peak, batch));
    }
  }
  expectNoLiveOverlap(graph, plan, overwrites);
  for (const batch of [1, 4]) {
    const { tensors } = randomInputs(graph, batch, 5);
    if (tensors.dropout_seed) tensors.dropout_seed = tensor([], [17]);
    // Second moments and step scalars of a training step are never negative (sqrt reads them).
    for (const [name, t] of Object.entries(tensors)) if (name.startsWith('v:') || name.startsWith('opt:')) tensors[name] = tensor(t.shape, t.data.map(Math.abs));
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
    expect(plan.peak.bytesPerRow).toBeLessThan(plan.naive.bytesPerRow);
  });

  it.each(fixtures.map((f) => [f.name, f.graph] as const))('plans kernel scratch of %s apart from everything live while its node runs', (_name, graph) => {
    const plan = expectPlanSound(optimize(graph), scratchEverywhere);
    expect(plan.scratch.size).toBeGreaterThan(0);
  });

  it.each(fixtures.map((f) => [f.name, f.graph] as const))('plans scratch that the nodes of %s share (one buffer per op) apart from everything live from its first node to its last', (_name, graph) => {
    const plan = expectPlanSound(optimize(graph), scratchEverywhere, undefined, sharedPerOp);
    const members = [...plan.shared.values()];
    expect(members.filter((m) => m.fills).length).toBe(new Set(members.map((m) => m.slot)).size);
    expect(members.some((m) => m.members > 1)).toBe(true);
  });

  it.each(fixtures.map((f) => [f.name, f.graph] as const))('plans the optimized training step of %s, its optimizer updates in place', (_name, graph) => {
    const trainer = new Trainer(graph, { optimizer: 'adam', loss: 'meanSquaredError' });
    const step = optimize(trainer.graphs.train);
    const plan = expectPlanSound(step);
    // Parameters and optimizer slots have no batch axis: the fixed region holds them.
    expect(plan.peak.fixedBytes).toBeGreaterThan(0);
    for (const o of step.outputs.filter((o) => o.name.startsWith('param:') || o.name.startsWith('m:') || o.name.startsWith('v:'))) {
      const input = step.inputs.find((n) => n.name === o.name)!;
      expect(plan.slots.get(o.node), o.name).toEqual(plan.slots.get(input));
    }
  });

  it('plans the optimized seed model: the softmax output reuses the dead input bytes', () => {
    const graph = optimize(fixtures.find((f) => f.name === 'seed-sequential')!.graph);
    const plan = expectPlanSound(graph);
    const [input, hidden, probs] = graph.nodes.filter((n) => n.op !== 'weight');
    const perRow = (bytes: number) => ({ fixedBytes: 0, bytesPerRow: bytes });
    expect(plan.slots.get(input!)).toEqual({ offset: perRow(0), size: perRow(784 * 4) });
    expect(plan.slots.get(hidden!)).toEqual({ offset: perRow(784 * 4), size: perRow(128 * 4) });
    expect(plan.slots.get(probs!)).toEqual({ offset: perRow(0), size: perRow(10 * 4) });
    expect(plan.peak).toEqual(perRow((784 + 128) * 4));
    expect(plan.naive).toEqual(perRow((784 + 128 + 12) * 4));
  });

  it('has checks that catch a plan overlapping live values', () => {
    const graph = optimize(fixtures.find((f) => f.name === 'two-outputs')!.graph);
    const plan = planMemory(graph);
    const [trunk, kind] = graph.nodes.filter((n) => n.op === 'dense');
    // The first head written over the trunk, which the second head still has to read.
    const slots = new Map(plan.slots).set(kind!, { offset: plan.slots.get(trunk!)!.offset, size: { fixedBytes: 0, bytesPerRow: 4 * 4 } });
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
    expect(plan.slots.get(r!)!.offset).not.toEqual(plan.slots.get(d!)!.offset); // %3 is read again by %5
    expect(plan.slots.get(sum!)!.offset).toEqual(plan.slots.get(r!)!.offset); // in place over %4, its first operand to die there
    expect(plan.slots.get(out!)!.offset).toEqual(plan.slots.get(sum!)!.offset); // in place over %5
  });

  it("writes a dense over its residual (the wasm kernels' OverwriteRequest) only where the residual dies there and is added in the tile", () => {
    const weights = new Map([
      ['w', Float32Array.from({ length: 12 }, (_, i) => (i % 5) - 2)],
      ['u', Float32Array.from({ length: 9 }, (_, i) => (i % 4) - 1.5)],
    ]);
    const graph = parseGraph(
      ir`
        %x = input : f32[?,4]
        %h = input : f32[?,3]
        %w = weight : f32[4,3]
        %u = weight : f32[3,3]
        %0 = dense %h, %u : f32[?,3]
        %1 = dense %x, %w, %0 {residual=true} : f32[?,3]
        %2 = dense %h, %u : f32[?,3]
        %3 = dense %x, %w, %2 {activation="sigmoid", residual=true} : f32[?,3]
        %4 = dense %h, %u : f32[?,3]
        %5 = dense %x, %w, %4 {activation="relu", residual=true} : f32[?,3]
        %6 = add %5, %4 : f32[?,3]
        %7 = dense %1, %u, %1 {residual=true} : f32[?,3]
        output "a" = %7
        output "b" = %3
        output "c" = %6
      `,
      { weights },
    );
    const plan = expectPlanSound(graph, wasmScratch, wasmBlockReader, undefined, wasmOverwrites);
    const node = (i: number) => graph.nodes[4 + i]!;
    const sameBytes = (a: Node, b: Node) => plan.slots.get(a)!.offset.bytesPerRow === plan.slots.get(b)!.offset.bytesPerRow;
    expect(sameBytes(node(1), node(0))).toBe(true); // %0 dies at %1, added in the tile
    expect(sameBytes(node(3), node(2))).toBe(false); // sigmoid runs over the stored rows, the residual after it
    expect(sameBytes(node(5), node(4))).toBe(false); // %4 is read again by %6
    expect(sameBytes(node(7), node(1))).toBe(false); // %1 is also the product's x
    // The LSTM example's steps: each x·W + b + h·R takes the bytes of its h·R.
    const lstm = optimize(loadModelFile('examples/fashion-mnist-lstm/model.ts', { typeCheck: false }).model.toGraph());
    const perRow = (overwrites?: OverwriteRequest) => planMemory(lstm, wasmScratch, wasmBlockReader, undefined, overwrites).peak.bytesPerRow;
    expect(perRow(wasmOverwrites)).toBeLessThan(perRow() * 0.8);
  });

  it('plans a value without a batch axis at its size in the fixed region, and leaves weights and consts out', () => {
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
    expect(plan.slots.get(graph.nodes[4]!)).toEqual({ offset: { fixedBytes: 0, bytesPerRow: 0 }, size: { fixedBytes: 64 * 64 * 4, bytesPerRow: 0 } });
    // Batched values start after the fixed region, whatever the batch.
    expect(plan.slots.get(graph.nodes[5]!)!.offset.fixedBytes).toBe(64 * 64 * 4);
    expect(plan.peak).toEqual({ fixedBytes: 64 * 64 * 4, bytesPerRow: 64 * 64 * 4 }); // the add and mul work in place over %x
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
    const overlap = slotsOverlap;
    expect(plan.slots.has(splitNode!)).toBe(false); // the split itself owns no bytes
    expect([sa.size.bytesPerRow, sb.size.bytesPerRow]).toEqual([16, 16]);
    // Both results are written by the split while it reads %x, and %x stays live: three disjoint ranges.
    expect([overlap(sa, sb), overlap(sa, sx), overlap(sb, sx)]).toEqual([false, false, false]);
    expect([plan.lastUse.get(a!), plan.lastUse.get(b!)]).toEqual([4, 4]); // read last by the mul
    // The concat, born after both died, takes bytes one of them had.
    expect(overlap(plan.slots.get(cat!)!, sa) || overlap(plan.slots.get(cat!)!, sb)).toBe(true);
    expect(plan.peak.bytesPerRow).toBeLessThan(plan.naive.bytesPerRow);
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

describe('planMemory: split pieces read in place (a backend’s BlockReader)', () => {
  const lstmStep = () => {
    const model = sequential({ layers: [layers.lstm({ inputShape: [4, 3], units: 5 }), layers.dense({ units: 2 })] });
    return optimize(new Trainer(model.toGraph(), { optimizer: 'adam', loss: 'meanSquaredError' }).graphs.train);
  };

  it.each(fixtures.map((f) => [f.name, f.graph] as const))('keeps the plan of %s sound with the wasm kernels’ reader', (_name, graph) => {
    expectPlanSound(optimize(graph), wasmScratch, wasmBlockReader);
  });

  it('leaves an LSTM training step’s gates and input steps in place, and the plan stays sound', () => {
    const step = lstmStep();
    const plan = expectPlanSound(step, wasmScratch, wasmBlockReader);
    const pieces = step.nodes.filter((n) => n.op === 'result' && n.inputs[0]!.op === 'split');
    const inPlace = pieces.filter((p) => plan.slots.get(p)!.blocks);
    // Every gate (4 per step but the first step's unused forget gate) and every input step.
    expect(inPlace.length).toBe(pieces.length);
    expect(inPlace.length).toBe(4 * 4 - 1 + 4);
    // A gate of an LSTM(5) step is 5 of the 20 columns of its product, a row of the product apart.
    const gate = inPlace.find((p) => p.type.shape.join() === ',5')!;
    expect(plan.slots.get(gate)!.blocks).toEqual({ bytes: 5 * 4, pitch: 20 * 4 });
  });

  it('puts a piece inside its operand: the operand’s slot plus its columns, as blocks a row apart', () => {
    const graph = parseGraph(ir`
      %x = input : f32[?,12]
      %0 = tanh %x : f32[?,12]
      %1, %2, %3 = split %0 {axis=1, sizes=[4,4,4]} : f32[?,4], f32[?,4], f32[?,4]
      %4 = mul %1, %3 : f32[?,4]
      %5 = add %4, %2 : f32[?,4]
      output "y" = %5
    `);
    const plan = expectPlanSound(graph, undefined, wasmBlockReader);
    const [, t, , a, b, c, m, sum] = graph.nodes;
    const at = plan.slots.get(t!)!.offset;
    for (const [piece, column] of [[a, 0], [b, 4], [c, 8]] as const)
      expect(plan.slots.get(piece!)).toMatchObject({ offset: { fixedBytes: at.fixedBytes + column * 4, bytesPerRow: at.bytesPerRow }, blocks: { bytes: 16, pitch: 48 } });
    // The tanh's bytes live until the last piece is read (by the add), and nothing writes over them before.
    expect(plan.lastUse.get(b!)).toBe(7);
    // Nothing is written in place over the operand of the pieces: a dense row would not line up with its blocks.
    expect(slotsOverlap(plan.slots.get(m!)!, plan.slots.get(t!)!)).toBe(false);
    expect(slotsOverlap(plan.slots.get(sum!)!, plan.slots.get(t!)!)).toBe(false);
    // Not even by the last reader of every piece (a row written densely would not line up with the blocks).
    const last = parseGraph(ir`
      %x = input : f32[?,8]
      %0 = tanh %x : f32[?,8]
      %1, %2 = split %0 {axis=1, sizes=[4,4]} : f32[?,4], f32[?,4]
      %3 = sub %1, %2 : f32[?,4]
      output "y" = %3
    `);
    const lastPlan = expectPlanSound(last, undefined, wasmBlockReader);
    expect(lastPlan.slots.get(last.nodes[3]!)!.blocks).toBeDefined();
    expect(slotsOverlap(lastPlan.slots.get(last.nodes.at(-1)!)!, lastPlan.slots.get(last.nodes[1]!)!)).toBe(false);
    // Without a reader each piece has bytes of its own.
    const copies = planMemory(graph);
    expect(copies.slots.get(a!)!.blocks).toBeUndefined();
    expect(slotsOverlap(copies.slots.get(a!)!, copies.slots.get(t!)!)).toBe(false);
  });

  it('copies a piece that is an output, that a kernel reads densely, of a constant, or reshaped across its blocks', () => {
    const weights = new Map([['w', Float32Array.from({ length: 8 }, (_, i) => i)]]);
    const graph = parseGraph(
      ir`
        %x = input : f32[?,2,6]
        %w = weight : f32[8]
        %0, %1, %2 = split %x {axis=2, sizes=[2,2,2]} : f32[?,2,2], f32[?,2,2], f32[?,2,2]
        %3 = softmax %1 {axis=-1} : f32[?,2,2]
        %4 = reshape %2 {shape=[4]} : f32[?,4]
        %5 = relu %4 : f32[?,4]
        %6, %7 = split %w {axis=0, sizes=[4,4]} : f32[4], f32[4]
        %8 = add %5, %6 : f32[?,4]
        %9 = relu %7 : f32[4]
        output "piece" = %0
        output "softmax" = %3
        output "sum" = %8
        output "constant" = %9
      `,
      { weights },
    );
    const plan = expectPlanSound(graph, undefined, wasmBlockReader);
    for (const p of graph.nodes.filter((n) => n.op === 'result')) expect(plan.slots.get(p)?.blocks, `%${p.id}`).toBeUndefined();
  });

  it('reads pieces through reshapes that keep each block whole, and asks the reader with the blocks', () => {
    const graph = parseGraph(ir`
      %x = input : f32[?,3,2,4]
      %0, %1 = split %x {axis=1, sizes=[1,2]} : f32[?,1,2,4], f32[?,2,2,4]
      %2 = reshape %0 {shape=[8]} : f32[?,8]
      %3 = reshape %1 {shape=[4,4]} : f32[?,4,4]
      %4 = relu %2 : f32[?,8]
      %5 = relu %3 : f32[?,4,4]
      output "a" = %4
      output "b" = %5
    `);
    const asked: string[] = [];
    const reader: BlockReader = (node, operand, blocks) => (asked.push(`${node.op}#${operand} ${blocks.bytes}/${blocks.pitch}`), true);
    const plan = expectPlanSound(graph, undefined, reader);
    const [, , a, b, ra, rb] = graph.nodes;
    expect(asked).toEqual(['relu#0 32/96', 'relu#0 64/96']);
    expect(plan.slots.get(ra!)).toEqual(plan.slots.get(a!));
    expect(plan.slots.get(rb!)!.blocks).toEqual({ bytes: 64, pitch: 96 });
    expect(plan.slots.get(b!)!.offset.fixedBytes - plan.slots.get(a!)!.offset.fixedBytes).toBe(32);
  });
});
