/**
 * The compiled executor: turns a graph into a fixed schedule of kernels over one preallocated
 * WebAssembly memory, once per batch size. Matrix products run in a SIMD128 GEMM; runs of
 * elementwise ops become one SIMD loop each (elementwise-wasm.ts), or a JavaScript loop
 * generated from their scalar math when they need exp/log/tanh/erf or broadcasting; reshapes
 * are views. All kernels of a plan are one WebAssembly module. A step is
 * then: copy the inputs in, run the schedule (no allocation, no graph walk), copy the outputs out.
 * Ops without a dedicated kernel fall back to their reference `evaluate` on memory views.
 */
import type { Graph, Node } from '../../ir/graph.js';
import type { TensorMap } from '../../ir/interpreter.js';
import { opRegistry } from '../../ir/ops/index.js';
import { reducedAxes, reductionIndex } from '../../ir/ops/reduce_sum.js';
import { normalizeAxis } from '../../ir/ops/softmax.js';
import { isElementwiseOp, isPassThroughOp, isSourceOp, isViewOp } from '../../ir/traits.js';
import { broadcastIndex, sizeOf, tensor, type Tensor } from '../../ir/tensor.js';
import { concreteShape } from '../../ir/types.js';
import { NncError } from '../../errors.js';
import type { Executor, ExecutorOptions } from '../executor.js';
import { elementwiseGroupText, isNativeExpr, type GroupMember } from './elementwise-wasm.js';
import { gemmText } from './gemm-wasm.js';
import { elementwiseKernel, type OperandAccess } from './scalar-js.js';
import { compileKernels, prepareKernels } from './wasm-module.js';

type Gemm = (c: number, a: number, b: number, M: number, N: number, K: number, sai: number, sak: number) => void;

interface Region {
  readonly offset: number;
  readonly shape: number[];
  readonly size: number;
}

/** Views and pass-through ops (identity, inference dropout) share their operand's memory here. */
const aliasesOperand = (n: Node) => isViewOp(n.op) || isPassThroughOp(n.op);

function batchOf(graph: Graph, inputs: TensorMap): number {
  for (const n of graph.inputs) {
    const i = n.type.shape.indexOf(null);
    const t = inputs[n.name!];
    if (i >= 0 && t) return t.shape[i]!;
  }
  return 1;
}

class Plan {
  private readonly f: Float32Array;
  private readonly regions = new Map<Node, Region>();
  private readonly steps: (() => void)[] = [];
  private gemm: Gemm = () => {};
  /** The elementwise run being collected, flushed into one WebAssembly function. */
  private group: { members: GroupMember[]; n: number } | undefined;
  private readonly functions: string[] = [gemmText()];
  private readonly bindings: { name: string; slot: { fn: () => void } }[] = [];
  private readonly memory: WebAssembly.Memory;
  private instantiated = false;
  private readonly projections: Map<Node, (Node | undefined)[]>;
  private readonly batch: number;

  constructor(
    private readonly graph: Graph,
    batch: number,
    carry: ReadonlySet<string>,
  ) {
    this.projections = graph.projections();
    this.batch = batch;
    const inPlace = inPlaceUpdates(graph, carry);
    // Lay out every non-view value (plus GEMM scratch) in one memory, 16-byte aligned.
    let top = 0;
    const alloc = (size: number) => {
      const at = top;
      top += Math.ceil(size / 4) * 4;
      return at;
    };
    const scratch = new Map<Node, number>();
    for (const n of graph.nodes) {
      const shape = concreteShape(n.type.shape, batch);
      const size = sizeOf(shape);
      const alias = aliasesOperand(n) ? n.inputs[0]! : inPlace.get(n);
      this.regions.set(n, { offset: alias ? this.regions.get(alias)!.offset : alloc(size), shape, size });
      if (n.op === 'matmul_nt') scratch.set(n, alloc(this.regions.get(n.inputs[1]!)!.size));
    }
    this.memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil((top * 4) / 65536)) });
    this.f = new Float32Array(this.memory.buffer);
    for (const n of graph.nodes) this.schedule(n, scratch.get(n));
    this.flushGroup();
  }

  /** Ensures the kernels can be compiled without waiting (binaryen loaded or result cached). */
  prepare(): Promise<void> {
    return prepareKernels(this.functions);
  }

  private instantiate(): void {
    const exports = new WebAssembly.Instance(compileKernels(this.functions), { env: { memory: this.memory } }).exports;
    this.gemm = exports.gemm as Gemm;
    for (const b of this.bindings) b.slot.fn = exports[b.name] as () => void;
    this.instantiated = true;
  }

  /** Adds an elementwise node to the current SIMD run when it qualifies; false if it does not. */
  private addToGroup(n: Node, out: Region, ins: readonly Region[]): boolean {
    const def = opRegistry.get(n.op)!;
    const expr = def.scalar!(n.attrs);
    if (!isNativeExpr(expr) || !ins.every((r) => r.size === out.size || r.size === 1)) return false;
    if (this.group && this.group.n !== out.size) this.flushGroup();
    const group = (this.group ??= { members: [], n: out.size });
    const operands = ins.map((r) => {
      const member = group.members.findIndex((m) => m.out === r.offset);
      if (member >= 0 && r.size === out.size) return { kind: 'member' as const, index: member };
      return r.size === out.size && out.size !== 1 ? { kind: 'full' as const, offset: r.offset } : { kind: 'scalar' as const, offset: r.offset };
    });
    group.members.push({ expr, operands, out: out.offset });
    return true;
  }

  private flushGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    const name = `ew${this.bindings.length}`;
    this.functions.push(elementwiseGroupText(name, group.members, group.n));
    const slot = { fn: () => {} };
    this.bindings.push({ name, slot });
    this.steps.push(() => slot.fn());
  }

  private view(r: Region): Tensor {
    return tensor(r.shape, this.f.subarray(r.offset, r.offset + r.size));
  }

  private schedule(n: Node, scratch: number | undefined): void {
    const f = this.f;
    const out = this.regions.get(n)!;
    const ins = n.inputs.map((i) => this.regions.get(i)!);
    const gemm: Gemm = (...args) => this.gemm(...args);
    const def = opRegistry.get(n.op)!;
    if (isElementwiseOp(n.op) && this.addToGroup(n, out, ins)) return;
    if (!isSourceOp(n.op) && !aliasesOperand(n)) this.flushGroup();
    if (aliasesOperand(n)) return;
    switch (n.op) {
      case 'result': // written by its multi-result node
      case 'input':
        return;
      case 'weight': {
        const data = this.graph.weights.get(n.name!);
        if (!data) throw new NncError('NNC2007', `weight %${n.name} has no data`);
        f.set(data, out.offset);
        return;
      }
      case 'const':
        f.set(n.attrs.value as number[], out.offset);
        return;
      case 'matmul': {
        const [a, b] = ins as [Region, Region];
        const [K, N] = b.shape as [number, number];
        const M = a.size / K;
        this.steps.push(() => gemm(out.offset * 4, a.offset * 4, b.offset * 4, M, N, K, K, 1));
        return;
      }
      case 'matmul_tn': {
        const [a, b] = ins as [Region, Region];
        const m = a.shape.at(-1)!;
        const nn = b.shape.at(-1)!;
        const rows = a.size / m;
        this.steps.push(() => gemm(out.offset * 4, a.offset * 4, b.offset * 4, m, nn, rows, 1, m));
        return;
      }
      case 'matmul_nt': {
        const [a, b] = ins as [Region, Region];
        const [k, nn] = b.shape as [number, number];
        const rows = a.size / nn;
        const bt = scratch!;
        this.steps.push(() => {
          for (let r = 0; r < k; r++) for (let c = 0; c < nn; c++) f[bt + c * k + r] = f[b.offset + r * nn + c]!;
          gemm(out.offset * 4, a.offset * 4, bt * 4, rows, k, nn, nn, 1);
        });
        return;
      }
      case 'reduce_sum':
      case 'reduce_mean':
      case 'unreduce':
        this.steps.push(this.reduction(n, out, ins));
        return;
      case 'softmax':
      case 'log_softmax':
        if (normalizeAxis(n.attrs.axis as number, out.shape.length) === out.shape.length - 1) {
          this.steps.push(softmaxLastAxis(f, ins[0]!, out, n.op === 'log_softmax'));
          return;
        }
        break;
    }
    if (isElementwiseOp(n.op)) {
      const access = ins.map((r): OperandAccess => {
        if (r.size === out.size) return { kind: 'full' };
        if (r.size === 1) return { kind: 'scalar' };
        const trimmed = r.shape.slice(r.shape.findIndex((d) => d !== 1));
        const tail = out.shape.slice(out.shape.length - trimmed.length);
        if (trimmed.every((d, i) => d === tail[i])) return { kind: 'period', period: r.size };
        return { kind: 'map', map: broadcastIndex(out.shape, r.shape) };
      });
      const kernel = elementwiseKernel(def.scalar!(n.attrs), access);
      const offsets = ins.map((r) => r.offset);
      this.steps.push(() => kernel(f, out.offset, out.size, offsets));
      return;
    }
    if (def.evaluateResults) {
      // A multi-result node: every result by reference evaluation, into its projection's region.
      const evaluate = def.evaluateResults;
      const targets = this.projections.get(n) ?? [];
      const outs = n.results!.map((t) => ({ dtype: t.dtype, shape: concreteShape(t.shape, this.batch) }));
      this.steps.push(() => {
        const results = evaluate(
          ins.map((r) => this.view(r)),
          n.attrs,
          outs,
        );
        results.forEach((t, k) => {
          const target = targets[k];
          if (target) f.set(t.data, this.regions.get(target)!.offset);
        });
      });
      return;
    }
    // Reference fallback on views of the memory.
    const type = { dtype: n.type.dtype, shape: out.shape };
    this.steps.push(() => {
      const result = def.evaluate(
        ins.map((r) => this.view(r)),
        n.attrs,
        type,
      );
      f.set(result.data, out.offset);
    });
  }

  private reduction(n: Node, out: Region, ins: readonly Region[]): () => void {
    const f = this.f;
    if (n.op === 'unreduce') {
      const [g, ref] = ins as [Region, Region];
      const map = reductionIndex(ref.shape, reducedAxes(n.attrs, ref.shape.length));
      const scale = n.attrs.mean === true ? g.size / Math.max(1, out.size) : 1;
      return () => {
        for (let i = 0; i < out.size; i++) f[out.offset + i] = f[g.offset + map[i]!]! * scale;
      };
    }
    const x = ins[0]!;
    const map = reductionIndex(x.shape, reducedAxes(n.attrs, x.shape.length));
    const acc = new Float64Array(out.size);
    const scale = n.op === 'reduce_mean' ? out.size / Math.max(1, x.size) : 1;
    return () => {
      acc.fill(0);
      for (let i = 0; i < x.size; i++) acc[map[i]!]! += f[x.offset + i]!;
      for (let i = 0; i < out.size; i++) f[out.offset + i] = n.op === 'reduce_mean' ? acc[i]! * scale : acc[i]!;
    };
  }

  /**
   * Runs the schedule. Inputs missing from `inputs` but listed in `carry` come from the outputs
   * of the same name of `from` (the plan that ran last; this one, or another batch size's).
   */
  run(inputs: TensorMap, carry: ReadonlySet<string>, from: Plan | undefined): TensorMap {
    if (!this.instantiated) this.instantiate();
    for (const n of this.graph.inputs) {
      const r = this.regions.get(n)!;
      const given = inputs[n.name!];
      const t = given ?? (carry.has(n.name!) && from ? from.output(n.name!) : undefined);
      // A state value updated in place is already where the next step reads it.
      if (!given && from === this && t && t.data.byteOffset === r.offset * 4) continue;
      if (!t || t.data.length !== r.size)
        throw new NncError('NNC5002', `input '${n.name}' ${t ? `has ${t.data.length} values, expected ${r.size}` : 'is missing'}`);
      // Within one memory this is a memmove between two regions.
      this.f.set(t.data, r.offset);
    }
    for (const step of this.steps) step();
    const out: TensorMap = {};
    for (const o of this.graph.outputs) out[o.name] = this.output(o.name);
    return out;
  }

  /** A view of an output (valid until the next run). */
  output(name: string): Tensor {
    const node = this.graph.outputs.find((o) => o.name === name)!.node;
    return this.view(this.regions.get(node)!);
  }
}

/**
 * Carried outputs that can overwrite their own input (node -> input node): the update is an
 * elementwise op reading that input at the same index only, the input has the same size, and
 * every other reader of the input runs before the update. Optimizer updates qualify, so weights
 * and moments are updated in place, with no copy between steps.
 */
function inPlaceUpdates(graph: Graph, carry: ReadonlySet<string>): Map<Node, Node> {
  const result = new Map<Node, Node>();
  const order = new Map(graph.nodes.map((n, i) => [n, i]));
  const users = graph.users();
  for (const o of graph.outputs) {
    if (!carry.has(o.name)) continue;
    const input = graph.inputs.find((n) => n.name === o.name);
    const node = o.node;
    if (!input || !isElementwiseOp(node.op) || !node.inputs.includes(input)) continue;
    if (sizeOf(concreteShape(input.type.shape, 1)) !== sizeOf(concreteShape(node.type.shape, 1)) || input.type.shape.includes(null)) continue;
    const readers = users.get(input) ?? [];
    const safe = readers.every((u) => u === node || (!aliasesOperand(u) && order.get(u)! < order.get(node)!));
    if (safe && !graph.outputs.some((x) => x.node === input)) result.set(node, input);
  }
  return result;
}

function softmaxLastAxis(f: Float32Array, x: Region, out: Region, log: boolean): () => void {
  const n = x.shape.at(-1)!;
  const rows = x.size / n;
  return () => {
    for (let r = 0; r < rows; r++) {
      const xi = x.offset + r * n;
      const oi = out.offset + r * n;
      let m = -Infinity;
      for (let j = 0; j < n; j++) m = Math.max(m, f[xi + j]!);
      let sum = 0;
      for (let j = 0; j < n; j++) sum += Math.exp(f[xi + j]! - m);
      if (log) {
        const lse = m + Math.log(sum);
        for (let j = 0; j < n; j++) f[oi + j] = f[xi + j]! - lse;
      } else for (let j = 0; j < n; j++) f[oi + j] = Math.exp(f[xi + j]! - m) / sum;
    }
  };
}

/** Compiles `graph` per batch size on first use. */
export function compiledExecutor(graph: Graph, options: ExecutorOptions = {}): Executor {
  const plans = new Map<number, Plan>();
  const carry = options.carry ?? new Set<string>();
  let last: Plan | undefined;
  const planFor = (batch: number) => {
    let plan = plans.get(batch);
    if (!plan) plans.set(batch, (plan = new Plan(graph, batch, carry)));
    return plan;
  };
  return {
    run(inputs) {
      const plan = planFor(batchOf(graph, inputs));
      const out = plan.run(inputs, carry, last);
      last = plan;
      return out;
    },
    prepare: (batch) => planFor(batch).prepare(),
  };
}
