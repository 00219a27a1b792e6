/**
 * `npm run bench -- --layers`: where a model's time goes in nnc's wasm bundle. Each conv2d,
 * dense and pooling node of the optimized graph is compiled alone (a one-node graph of the same
 * shapes, attributes and weights) and timed at batch 1 and at the throughput batch, next to the
 * plain GEMM of the same m × k × n (a dense of k → n over m = images · oh · ow rows, with the
 * node's bias and activation): the gap between the two is what im2col and the conv's addressing
 * cost. The whole model's time closes the table, so the rows' sum shows what the glue costs.
 * Times are CPU time, the fastest of many rounds, so that a shared machine still gives a profile.
 * In-process and nnc only: a profile, not a comparison (the runners' table is that).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { wasmTarget } from '../src/bundle/wasm-target.js';
import { writeBundle } from '../src/bundle/writer.js';
import { loadModelFile } from '../src/frontend/loader.js';
import { Random } from '../src/frontend/random.js';
import { Graph, type Node } from '../src/ir/graph.js';
import { elementsPerRow } from '../src/ir/types.js';
import { optimize } from '../src/passes/index.js';
import { nodeFlopsPerRow, productShape } from './prepare.js';

interface WasmModel {
  predict(x: Float32Array, batch: number): Float32Array | Record<string, Float32Array>;
}

/** Compiles `graph` as `nnc build` would (SIMD) and loads it. */
async function compile(graph: Graph, dir: string): Promise<WasmModel> {
  await writeBundle(dir, await wasmTarget.emit(optimize(graph), { singleFile: false, weights: 'embedded' }));
  const module = (await import(pathToFileURL(join(dir, 'model.js')).href)) as { load(): Promise<WasmModel> };
  return module.load();
}

/** CPU µs of this process (user + system) since `since`. */
const cpuUs = (since: NodeJS.CpuUsage) => {
  const u = process.cpuUsage(since);
  return u.user + u.system;
};

/**
 * µs of one `batch`-row call: the process's CPU time (steadier than wall time on a shared
 * machine: other jobs' turns on the core are not counted) per call over rounds of about 10 ms
 * of calls (the kernel accounts CPU time in ticks, so a round must span many), the fastest of
 * the rounds filling about `budgetMs` (at least 5): contention for caches and the core only ever
 * adds time, so the minimum is the steadiest estimate of the cost.
 */
function timeCall(model: WasmModel, batch: number, rowSize: number, budgetMs = 400): number {
  const rng = new Random(7);
  const x = Float32Array.from({ length: batch * rowSize }, () => rng.next());
  // Warm-up that also sizes the rounds: 300 ms, as V8 tiers a fresh module up from its baseline
  // compiler in the background, which takes that long on a busy machine (and counts as CPU time).
  const warm = process.cpuUsage();
  const warmEnd = performance.now() + 300;
  let calls = 0;
  while (calls < 3 || performance.now() < warmEnd) {
    model.predict(x, batch);
    calls++;
  }
  const perRound = Math.max(3, Math.ceil((10_000 * calls) / Math.max(1, cpuUs(warm))));
  const rounds: number[] = [];
  const end = performance.now() + budgetMs;
  while (rounds.length < 5 || (performance.now() < end && rounds.length < 100)) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < perRound; i++) model.predict(x, batch);
    rounds.push(cpuUs(c0) / perRound);
  }
  return Math.min(...rounds);
}

/** `node` alone: its first input becomes the graph's input (batch `?`), its weights stay weights. */
function alone(graph: Graph, node: Node): Graph {
  const [x, ...rest] = node.inputs;
  const input: Node = { id: 0, op: 'input', inputs: [], attrs: {}, type: { dtype: 'f32', shape: [null, ...x!.type.shape.slice(1)] }, name: 'x' };
  const weights = rest.map((w, i): Node => {
    if (w.op !== 'weight') throw new Error(`--layers: %${node.id} (${node.op}) takes a computed operand %${w.id}`);
    return { id: i + 1, op: 'weight', inputs: [], attrs: {}, type: w.type, name: w.name! };
  });
  const copy: Node = { id: rest.length + 1, op: node.op, inputs: [input, ...weights], attrs: node.attrs, type: { ...node.type, shape: [null, ...node.type.shape.slice(1)] } };
  return new Graph([input, ...weights, copy], [{ name: 'y', node: copy }], new Map(weights.map((w) => [w.name!, graph.weights.get(w.name!)!])));
}

/** The GEMM a conv2d is: dense of k → f with the conv's bias and activation, one row per output pixel (before a fused pooling). */
function gemmTwin(graph: Graph, conv: Node): Graph {
  const [, w, bias] = conv.inputs as [Node, Node, Node | undefined];
  const [kh, kw, c, f] = w.type.shape as number[];
  const k = kh! * kw! * c!;
  const input: Node = { id: 0, op: 'input', inputs: [], attrs: {}, type: { dtype: 'f32', shape: [null, k] }, name: 'x' };
  const kernel: Node = { id: 1, op: 'weight', inputs: [], attrs: {}, type: { dtype: 'f32', shape: [k, f!] }, name: 'kernel' };
  const b: Node[] = bias ? [{ id: 2, op: 'weight', inputs: [], attrs: {}, type: bias.type, name: 'bias' }] : [];
  const dense: Node = { id: 3, op: 'dense', inputs: [input, kernel, ...b], attrs: { activation: conv.attrs.activation!, alpha: conv.attrs.alpha!, residual: false }, type: { dtype: 'f32', shape: [null, f!] } };
  const weights = new Map([['kernel', graph.weights.get(w.name!)!], ...(bias ? [['bias', graph.weights.get(bias.name!)!] as const] : [])]);
  return new Graph([input, kernel, ...b, dense], [{ name: 'y', node: dense }], weights);
}

const PROFILED = new Set(['conv2d', 'dense', 'matmul', 'max_pool2d', 'avg_pool2d']);

const shapeText = (n: Node) => n.type.shape.map((d) => d ?? '?').join('×');

/** Prints the per-layer table of `modelPath` at batch 1 and `batch`. */
export async function layerReport(modelPath: string, batch: number, log: (line: string) => void): Promise<void> {
  const graph = optimize(loadModelFile(modelPath).model.toGraph());
  const dir = mkdtempSync(join(tmpdir(), 'nnc-layers-'));
  let bundles = 0;
  const build = (g: Graph) => compile(g, join(dir, String(bundles++)));
  const batches = [1, batch];
  const rows: string[][] = [['node', 'output', 'MFLOP/row', ...batches.flatMap((b) => [`µs @${b}`, `GFLOP/s @${b}`, `GEMM µs @${b}`, `GEMM GFLOP/s @${b}`])]];
  const sums = batches.map(() => 0);
  try {
    for (const node of graph.nodes.filter((n) => PROFILED.has(n.op))) {
      const flops = nodeFlopsPerRow(node);
      const model = await build(alone(graph, node));
      const gemm = node.op === 'conv2d' ? await build(gemmTwin(graph, node)) : undefined;
      const pixels = node.op === 'conv2d' ? (productShape(node)[1] as number) * (productShape(node)[2] as number) : 1;
      const k = node.op === 'conv2d' ? (node.inputs[1]!.type.shape as number[]).slice(0, 3).reduce((a, d) => a * d, 1) : 0;
      const cells = batches.flatMap((b, i) => {
        const us = timeCall(model, b, elementsPerRow(node.inputs[0]!.type.shape));
        sums[i]! += us;
        const gemmUs = gemm ? timeCall(gemm, b * pixels, k) : undefined;
        const rate = (t: number | undefined) => (t === undefined || flops === 0 ? '-' : ((flops * b) / t / 1e3).toFixed(2));
        return [us.toFixed(1), rate(us), gemmUs === undefined ? '-' : gemmUs.toFixed(1), rate(gemmUs)];
      });
      rows.push([`%${node.id} ${node.op}`, shapeText(node), (flops / 1e6).toFixed(3), ...cells]);
    }
    const whole = await build(loadModelFile(modelPath).model.toGraph());
    const totalFlops = graph.nodes.reduce((s, n) => s + nodeFlopsPerRow(n), 0);
    const input = graph.inputs[0]!;
    const wholeCells = batches.flatMap((b) => {
      const us = timeCall(whole, b, elementsPerRow(input.type.shape));
      return [us.toFixed(1), ((totalFlops * b) / us / 1e3).toFixed(2), '', ''];
    });
    rows.push(['sum of the rows', '', '', ...sums.flatMap((s) => [s.toFixed(1), '', '', ''])]);
    rows.push(['whole model', '', (totalFlops / 1e6).toFixed(3), ...wholeCells]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  log(`per-layer profile of nnc's wasm bundle (SIMD, one thread, in-process CPU time, fastest of ~10 ms rounds; GEMM = dense k → n over batch · oh · ow rows):`);
  for (const r of rows) log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}
