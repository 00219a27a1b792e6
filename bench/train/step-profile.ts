/**
 * `npm run bench:train -- --profile`: where nnc's training step spends its time. The fit runs
 * with its modules' kernel functions named (`n<node index>_<op>`), under V8's sampling profiler
 * (node:inspector); each sample's function is mapped back to its node of the optimized step graph,
 * alike nodes (same op, attributes and operand shapes: an LSTM's 27 recurrent products) are
 * grouped, and each group gets its time per step, per node, and the GFLOP/s of the products. The
 * products run here among the step's other kernels, with the caches as a fit leaves them: `npm
 * run bench -- --layers` times an inference graph's nodes alone instead.
 */
import { Session } from 'node:inspector/promises';
import type { Graph, Node } from '../../src/ir/graph.js';
import { concreteShape, elementCount, type Shape } from '../../src/ir/types.js';
import { optimize } from '../../src/passes/index.js';
import { splitSize } from '../../src/train/data/dataset.js';
import type { Data, Trainer } from '../../src/train/trainer.js';
import { nodeFlopsPerRow, shapeText } from '../prepare.js';

/** A V8 CPU profile, as much of it as is read here. */
export interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string } }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** µs of samples per kernel, by node index (functions named `n<index>_<op>`); other code under `other`. */
export function kernelTimes(profile: CpuProfile): { readonly byNode: ReadonlyMap<number, number>; readonly other: number } {
  const names = new Map(profile.nodes.map((n) => [n.id, n.callFrame.functionName]));
  const byNode = new Map<number, number>();
  let other = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const kernel = /^\$?n(\d+)_/.exec(names.get(id) ?? '');
    if (kernel) byNode.set(Number(kernel[1]), (byNode.get(Number(kernel[1])) ?? 0) + us);
    else other += us;
  });
  return { byNode, other };
}

/** Floating-point operations of one run of a product node at `batch` rows (2 per multiply-add); undefined for other ops. */
export function productFlops(node: Node, batch: number): number | undefined {
  const out = elementCount(concreteShape(node.type.shape, batch));
  const [a, b] = node.inputs as [Node, Node];
  switch (node.op) {
    case 'dense':
    case 'matmul':
    case 'conv2d':
      return nodeFlopsPerRow(node) * (node.type.shape[0] === null ? batch : 1);
    case 'matmul_nt':
      return 2 * out * (b.type.shape.at(-1) as number);
    case 'matmul_tn': // k: a's elements per result row
      return 2 * out * (elementCount(concreteShape(a.type.shape, batch)) / (node.type.shape.at(-2) as number));
    case 'conv2d_grad_input': // dy, w [kh, kw, cin, cout]: the forward convolution's multiply-adds
      return 2 * elementCount(concreteShape(a.type.shape, batch)) * windowSize(b.type.shape);
    case 'conv2d_grad_filter': // x, dy: the same, the result being w's shape
      return 2 * elementCount(concreteShape(b.type.shape, batch)) * windowSize(node.type.shape);
    default:
      return undefined;
  }
}

/** kh · kw · cin of a [kh, kw, cin, cout] filter: the multiply-adds per output element of its convolution. */
const windowSize = (filter: Shape) => (filter[0] as number) * (filter[1] as number) * (filter[2] as number);

/** Alike nodes: same op, attributes and operand shapes. */
const likeness = (n: Node) => JSON.stringify([n.op, n.attrs, n.inputs.map((v) => v.type.shape)]);
/** Operand shapes → result shape, and a fused elementwise node's expression (what tells alike shapes apart). */
function describe(n: Node): string {
  const shapes = `${n.inputs.map((v) => shapeText(v.type.shape)).join(', ')} → ${shapeText(n.type.shape)}`;
  const expr = typeof n.attrs.expr === 'string' ? n.attrs.expr : undefined;
  return expr ? `${shapes}  ${expr.length > 60 ? `${expr.slice(0, 57)}...` : expr}` : shapes;
}

export interface ProfileRow {
  readonly op: string;
  readonly shapes: string;
  readonly nodes: number;
  /** µs per step, all the group's nodes together. */
  readonly usPerStep: number;
  readonly gflops?: number;
}

/**
 * The profile's kernel time grouped by alike nodes of `graph`, largest first: a group counts all
 * its nodes, sampled or not (a kernel of a few µs may fall between samples), and a group no
 * sample hit is left out.
 */
export function profileRows(graph: Graph, byNode: ReadonlyMap<number, number>, steps: number, batch: number): ProfileRow[] {
  const groups = new Map<string, { node: Node; nodes: number; us: number }>();
  graph.nodes.forEach((node, index) => {
    const key = likeness(node);
    const g = groups.get(key) ?? { node, nodes: 0, us: 0 };
    groups.set(key, { ...g, nodes: g.nodes + 1, us: g.us + (byNode.get(index) ?? 0) });
  });
  return [...groups.values()]
    .filter(({ us }) => us > 0)
    .map(({ node, nodes, us }) => {
      const flops = productFlops(node, batch);
      const usPerStep = us / steps;
      return { op: node.op, shapes: describe(node), nodes, usPerStep, ...(flops ? { gflops: (flops * nodes) / usPerStep / 1e3 } : {}) };
    })
    .sort((a, b) => b.usPerStep - a.usPerStep);
}

/** Fits `data` once under the profiler (the trainer's executor must name its kernels) and logs where the step's time went. */
export async function profileFit(trainer: Trainer, data: Data, batch: number, log: (line: string) => void): Promise<void> {
  const graph = optimize(trainer.graphs.train); // what the executor compiles: the same passes, in the same order
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 100 });
  await session.post('Profiler.start');
  const t0 = performance.now();
  trainer.fit(data, { epochs: 1, batchSize: batch });
  const seconds = (performance.now() - t0) / 1000;
  const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
  session.disconnect();
  const steps = Math.ceil(splitSize(data) / batch);
  const { byNode, other } = kernelTimes(profile);
  const rows = profileRows(graph, byNode, steps, batch);
  const kernels = [...byNode.values()].reduce((a, b) => a + b, 0);
  log(`profile of ${steps} steps of ${batch} examples: ${((seconds * 1e3) / steps).toFixed(2)} ms per step (wall), kernels ${(kernels / steps / 1e3).toFixed(2)} ms (sampled), other code ${(other / steps / 1e3).toFixed(2)} ms`);
  log(`${'op'.padEnd(14)} ${'nodes'.padStart(5)} ${'µs/step'.padStart(9)} ${'µs/node'.padStart(8)} ${'GFLOP/s'.padStart(8)}  operands → result`);
  for (const r of rows.filter((r) => r.usPerStep >= 1))
    log(`${r.op.padEnd(14)} ${String(r.nodes).padStart(5)} ${r.usPerStep.toFixed(0).padStart(9)} ${(r.usPerStep / r.nodes).toFixed(1).padStart(8)} ${r.gflops === undefined ? ''.padStart(8) : r.gflops.toFixed(1).padStart(8)}  ${r.shapes}`);
}
