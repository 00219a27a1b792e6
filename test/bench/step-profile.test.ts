import { describe, expect, it } from 'vitest';
import { kernelTimes, productFlops, profileRows, type CpuProfile } from '../../bench/train/step-profile.js';
import { compileWasm } from '../../src/codegen/wasm/module.js';
import { parseGraph } from '../../src/ir/parser.js';
import { Trainer } from '../../src/train/trainer.js';
import { loadWasmBackend, wasmExecutorWith } from '../../src/train/wasm-executor.js';
import { optimize } from '../../src/passes/index.js';
import { Session } from 'node:inspector/promises';
import { tensor } from '../../src/ir/tensor.js';

/** An LSTM-like unrolled chain: one computed w read by alike products, a gradient product, a bias sum. */
const TEXT = `
  %x = input : f32[?,16]
  %w = input : f32[16,16]
  %0 = dense %x, %w {activation="tanh"} : f32[?,16]
  %1 = dense %0, %w {activation="tanh"} : f32[?,16]
  %2 = matmul_nt %1, %w : f32[?,16]
  %3 = matmul_tn %0, %2 : f32[16,16]
  %4 = reduce_sum %2 {axes=[0]} : f32[16]
  output "y" = %3
  output "b" = %4`;

/** The names of the functions in a wasm binary's name section (subsection 1), in order. */
function functionNames(binary: Uint8Array<ArrayBuffer>): string[] {
  const [section] = WebAssembly.Module.customSections(new WebAssembly.Module(binary), 'name');
  if (!section) return [];
  const bytes = new Uint8Array(section);
  let at = 0;
  const leb = () => {
    let value = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      value |= (b & 0x7f) << shift;
      if (b < 0x80) return value;
    }
  };
  const names: string[] = [];
  while (at < bytes.length) {
    const id = bytes[at++]!;
    const end = leb() + at;
    if (id === 1)
      for (let count = leb(); count > 0; count--) {
        leb(); // function index
        const length = leb();
        names.push(new TextDecoder().decode(bytes.subarray(at, at + length)));
        at += length;
      }
    at = end;
  }
  return names;
}

describe('bench:train --profile', () => {
  it('wasm modules name their kernels n<node index>_<op> only when asked', () => {
    const graph = parseGraph(TEXT, { weights: new Map() });
    const named = functionNames(compileWasm(graph, { simd: true, weights: 'embedded', functionNames: true }).binary);
    expect(named).toEqual(expect.arrayContaining(['n2_dense', 'n3_dense', 'n4_matmul_nt', 'n5_matmul_tn', 'n6_reduce_sum', 'run']));
    expect(functionNames(compileWasm(graph, { simd: true, weights: 'embedded' }).binary)).toEqual([]);
  });

  it("sums a profile's samples by kernel node and counts the rest as other code", () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: { functionName: '(root)' } },
        { id: 2, callFrame: { functionName: 'n2_dense' } },
        { id: 3, callFrame: { functionName: '$n3_dense' } },
        { id: 4, callFrame: { functionName: 'fit' } },
      ],
      samples: [2, 3, 2, 4, 1, 2],
      timeDeltas: [100, 50, 100, 30, 20, 100],
    };
    const { byNode, other } = kernelTimes(profile);
    expect([...byNode]).toEqual([
      [2, 300],
      [3, 50],
    ]);
    expect(other).toBe(50);
  });

  it('groups alike nodes and gives the products their GFLOP/s', () => {
    const graph = parseGraph(TEXT, { weights: new Map() });
    const [, , d0, , nt, tn, sum] = graph.nodes;
    // 2 x m x k x n at batch 32: dense 32 x 16 x 16, the gradient contracts the 32 rows.
    expect(productFlops(d0!, 32)).toBe(2 * 32 * 16 * 16);
    expect(productFlops(nt!, 32)).toBe(2 * 32 * 16 * 16);
    expect(productFlops(tn!, 32)).toBe(2 * 16 * 16 * 32);
    expect(productFlops(sum!, 32)).toBeUndefined();
    // A convolution's two gradients do the forward's multiply-adds: 2 x dy's elements x kh·kw·cin.
    const conv = parseGraph(
      `%x = input : f32[?,13,13,32]
       %w = input : f32[3,3,32,64]
       %dy = input : f32[?,11,11,64]
       %0 = conv2d_grad_input %dy, %w, %x : f32[?,13,13,32]
       %1 = conv2d_grad_filter %x, %dy : f32[3,3,32,64]
       output "dx" = %0
       output "dw" = %1`,
      { weights: new Map() },
    );
    for (const n of conv.nodes.slice(3)) expect(productFlops(n, 32)).toBe(2 * 32 * 11 * 11 * 64 * 3 * 3 * 32);
    // Two steps: the two alike dense nodes make one row, 200 µs per step for 2 x 16,384 FLOP.
    const rows = profileRows(graph, new Map([[2, 200], [3, 200], [4, 100], [6, 40]]), 2, 32);
    expect(rows.map((r) => [r.op, r.nodes, r.usPerStep])).toEqual([
      ['dense', 2, 200],
      ['matmul_nt', 1, 50],
      ['reduce_sum', 1, 20],
    ]);
    expect(rows[0]!.gflops).toBeCloseTo((2 * 16384) / 200 / 1e3, 9);
    expect(rows[2]!.gflops).toBeUndefined();
    // A node no sample hit still counts in its group (its work is in the group's FLOP); a group
    // no sample hit is left out.
    const sparse = profileRows(graph, new Map([[2, 400]]), 2, 32);
    expect(sparse.map((r) => [r.op, r.nodes, r.usPerStep])).toEqual([['dense', 2, 200]]);
  });

  it("maps a real fit's samples to the step graph's products", async () => {
    await loadWasmBackend();
    const graph = parseGraph(
      `%x = input : f32[?,64]
       %w = weight : f32[64,64]
       %0 = matmul %x, %w : f32[?,64]
       %1 = tanh %0 : f32[?,64]
       output "y" = %1`,
      { weights: new Map([['w', Float32Array.from({ length: 64 * 64 }, (_, i) => Math.sin(i) / 8)]]) },
    );
    const trainer = new Trainer(graph, { optimizer: 'sgd', loss: 'meanSquaredError' }, { executor: wasmExecutorWith({ functionNames: true }) });
    const n = 512;
    const data = { x: tensor([n, 64], Float32Array.from({ length: n * 64 }, (_, i) => Math.cos(i))), y: tensor([n, 64], new Float32Array(n * 64)) };
    await trainer.prepare(n, 32);
    const session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 50 });
    await session.post('Profiler.start');
    for (let i = 0; i < 20; i++) trainer.fit(data, { epochs: 1, batchSize: 32 });
    const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
    session.disconnect();
    const { byNode } = kernelTimes(profile);
    const step = optimize(trainer.graphs.train);
    const rows = profileRows(step, byNode, 20 * (n / 32), 32);
    // The forward product (a dense after fusion) and the weight's gradient (a matmul_tn); x needs no gradient.
    expect(rows.map((r) => r.op)).toEqual(expect.arrayContaining(['dense', 'matmul_tn']));
    for (const r of rows.filter((r) => r.op === 'dense' || r.op === 'matmul_tn')) expect(r.gflops).toBeGreaterThan(0);
  }, 60_000);
});
