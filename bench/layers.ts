/**
 * `npm run bench -- --layers`: where a model's time goes in nnc's wasm bundle. Each conv2d,
 * dense, matmul, pooling and elementwise node of the optimized graph is compiled alone (a
 * one-node graph of the same shapes, attributes and weights; computed operands become inputs)
 * and timed at batch 1 and at the throughput batch, next to the plain GEMM of the same m × k × n
 * (a 2-D dense of k → n over m rows: images · oh · ow for a conv, with its bias and activation;
 * images · steps for a product over a sequence; the product alone for a dense that adds a
 * computed residual, as an LSTM's recurrent step h · R + x_t does). The gap between the two is
 * what im2col, a conv's addressing or a small m cost. Alike nodes (same op, attributes and
 * operand shapes: the 27 recurrent steps of an LSTM) make one row, timed once and counted as
 * many times in the sum. The whole model's time closes the table, so the rows' sum shows what
 * the glue costs. Times are CPU time, the fastest of many rounds, so that a shared machine still
 * gives a profile. In-process and nnc only: a profile, not a comparison (the runners' table is that).
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
import { nodeFlopsPerRow, productShape, shapeText } from './prepare.js';

interface WasmModel {
  predict(x: Float32Array | Record<string, Float32Array>, batch: number): Float32Array | Record<string, Float32Array>;
}

/** A compiled graph and the values per row of each of its inputs. */
interface Compiled {
  readonly model: WasmModel;
  readonly inputs: readonly { readonly name: string; readonly rowSize: number }[];
}

/** Compiles `graph` as `nnc build` would (SIMD) and loads it. */
async function compile(graph: Graph, dir: string): Promise<Compiled> {
  await writeBundle(dir, await wasmTarget.emit(optimize(graph), { singleFile: false, weights: 'embedded' }));
  const module = (await import(pathToFileURL(join(dir, 'model.js')).href)) as { load(): Promise<WasmModel> };
  return { model: await module.load(), inputs: graph.inputs.map((n) => ({ name: n.name!, rowSize: elementsPerRow(n.type.shape) })) };
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
function timeCall({ model, inputs }: Compiled, batch: number, budgetMs = 400): number {
  const rng = new Random(7);
  const arrays = inputs.map(({ rowSize }) => Float32Array.from({ length: batch * rowSize }, () => rng.next()));
  const x = arrays.length === 1 ? arrays[0]! : Object.fromEntries(inputs.map(({ name }, i) => [name, arrays[i]!]));
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

const batched = (n: Node): Node['type'] => ({ ...n.type, shape: [null, ...n.type.shape.slice(1)] });

/** `node` alone: its computed operands become the graph's inputs (batch `?`), its weights and constants stay. */
function alone(graph: Graph, node: Node): Graph {
  const operands = node.inputs.map((v, i): Node => {
    if (v.op === 'weight' || v.op === 'constant') return { ...v, id: i, inputs: [] };
    return { id: i, op: 'input', inputs: [], attrs: {}, type: batched(v), name: i === 0 ? 'x' : `x${i}` };
  });
  const copy: Node = { id: operands.length, op: node.op, inputs: operands, attrs: node.attrs, type: batched(node) };
  const weights = operands.filter((w) => w.op === 'weight').map((w) => [w.name!, graph.weights.get(w.name!)!] as const);
  return new Graph([...operands, copy], [{ name: 'y', node: copy }], new Map(weights));
}

/**
 * The plain GEMM of a product node: a dense of k → n over `rowsPerExample` rows per example, with
 * a conv's or dense's bias and activation (not a computed residual: the product alone); undefined
 * where the node is that GEMM already (a 2-D dense without residual) or multiplies two computed values.
 */
function gemmTwin(graph: Graph, node: Node): { graph: Graph; rowsPerExample: number } | undefined {
  const [x, w, third] = node.inputs as [Node, Node, Node | undefined];
  if (w.op !== 'weight') return undefined;
  const conv = node.op === 'conv2d';
  if (!conv && x.type.shape.length === 2 && !node.attrs.residual) return undefined;
  const k = conv ? (w.type.shape as number[]).slice(0, 3).reduce((a, d) => a * d, 1) : w.type.shape[0]!;
  const n = w.type.shape.at(-1)!;
  const rowsPerExample = conv ? (productShape(node)[1] as number) * (productShape(node)[2] as number) : elementsPerRow(x.type.shape) / k;
  const bias = third?.op === 'weight' && !node.attrs.residual ? third : undefined;
  const input: Node = { id: 0, op: 'input', inputs: [], attrs: {}, type: { dtype: 'f32', shape: [null, k] }, name: 'x' };
  const kernel: Node = { id: 1, op: 'weight', inputs: [], attrs: {}, type: { dtype: 'f32', shape: [k, n] }, name: 'kernel' };
  const b: Node[] = bias ? [{ id: 2, op: 'weight', inputs: [], attrs: {}, type: bias.type, name: 'bias' }] : [];
  const epilogue = node.op === 'matmul' ? { activation: 'linear', alpha: 0 } : { activation: node.attrs.activation!, alpha: node.attrs.alpha! };
  const dense: Node = { id: 3, op: 'dense', inputs: [input, kernel, ...b], attrs: { ...epilogue, residual: false }, type: { dtype: 'f32', shape: [null, n] } };
  const weights = new Map([['kernel', graph.weights.get(w.name!)!], ...(bias ? [['bias', graph.weights.get(bias.name!)!] as const] : [])]);
  return { graph: new Graph([input, kernel, ...b, dense], [{ name: 'y', node: dense }], weights), rowsPerExample };
}

const PROFILED = new Set(['conv2d', 'dense', 'matmul', 'max_pool2d', 'avg_pool2d', 'elementwise']);

/** Nodes that time alike: the same op, attributes, and operands (weights by shape). */
const likeness = (n: Node) => JSON.stringify([n.op, n.attrs, n.inputs.map((v) => [v.op === 'weight' || v.op === 'constant' ? v.op : 'computed', v.type.shape.slice(1), v.type.dtype])]);

/** The profiled nodes grouped by likeness, in graph order of each group's first node. */
function groups(graph: Graph): Node[][] {
  const byKey = new Map<string, Node[]>();
  for (const node of graph.nodes.filter((n) => PROFILED.has(n.op))) {
    const key = likeness(node);
    byKey.set(key, [...(byKey.get(key) ?? []), node]);
  }
  return [...byKey.values()];
}

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
    for (const alike of groups(graph)) {
      const node = alike[0]!;
      const flops = nodeFlopsPerRow(node);
      const model = await build(alone(graph, node));
      const twin = gemmTwin(graph, node);
      const gemm = twin && { ...twin, compiled: await build(twin.graph) };
      const cells = batches.flatMap((b, i) => {
        const us = timeCall(model, b);
        sums[i]! += us * alike.length;
        const gemmUs = gemm ? timeCall(gemm.compiled, b * gemm.rowsPerExample) : undefined;
        const rate = (t: number | undefined) => (t === undefined || flops === 0 ? '-' : ((flops * b) / t / 1e3).toFixed(2));
        return [us.toFixed(1), rate(us), gemmUs === undefined ? '-' : gemmUs.toFixed(1), rate(gemmUs)];
      });
      const label = `%${node.id} ${node.op}${alike.length > 1 ? ` ×${alike.length}` : ''}`;
      rows.push([label, shapeText(node.type.shape), (flops / 1e6).toFixed(3), ...cells]);
    }
    const whole = await build(loadModelFile(modelPath).model.toGraph());
    const totalFlops = graph.nodes.reduce((s, n) => s + nodeFlopsPerRow(n), 0);
    const wholeCells = batches.flatMap((b) => {
      const us = timeCall(whole, b);
      return [us.toFixed(1), ((totalFlops * b) / us / 1e3).toFixed(2), '', ''];
    });
    rows.push(['sum of the rows', '', '', ...sums.flatMap((s) => [s.toFixed(1), '', '', ''])]);
    rows.push(['whole model', '', (totalFlops / 1e6).toFixed(3), ...wholeCells]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  log(`per-layer profile of nnc's wasm bundle (SIMD, one thread, in-process CPU time, fastest of ~10 ms rounds; GEMM = 2-D dense k → n over batch · oh · ow (conv) or batch · steps rows; ×N: N alike nodes, each timed as one, the sum counting all):`);
  for (const r of rows) log(r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  '));
}
