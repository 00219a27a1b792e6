/**
 * The training step's matrix products on nnc's GEMM generator (codegen/wasm/gemm.ts) against the
 * training backend's own SIMD128 GEMM (src/train/compiled/gemm-wasm.ts), at the seed MLP's
 * shapes with a batch of 32: x·W1 (W1 computed), xᵀ·dy (k = the batch rows), dy·W2ᵀ (W2 computed;
 * the training step copies W2 transposed in JavaScript, then runs its GEMM: both are timed), and
 * dh·W1ᵀ, the input gradient of a first layer (when x needs one).
 * Run: npx tsx bench/gemm-train.ts
 */
import { setFlagsFromString } from 'node:v8';
import { compileWasm } from '../src/codegen/wasm/module.js';
import { parseGraph } from '../src/ir/parser.js';
import { gemmText } from '../src/train/compiled/gemm-wasm.js';
import { compileKernels, loadTrainingKernels } from '../src/train/compiled/wasm-module.js';

const BATCH = 32;

interface Case {
  readonly name: string;
  readonly ir: string;
  /** gemm(c, a, b, M, N, K, sai, sak) of the training backend. */
  readonly train: { M: number; N: number; K: number; sai: number; sak: number; transposeB?: boolean };
}

const CASES: Case[] = [
  {
    name: 'x[32,784]·W1[784,128]',
    ir: `%x = input : f32[?,784]
         %w = input : f32[784,128]
         %0 = matmul %x, %w : f32[?,128]
         output "y" = %0`,
    train: { M: 32, N: 128, K: 784, sai: 784, sak: 1 },
  },
  {
    name: 'x[32,784]ᵀ·dy[32,128]',
    ir: `%x = input : f32[?,784]
         %dy = input : f32[?,128]
         %0 = matmul_tn %x, %dy : f32[784,128]
         output "y" = %0`,
    train: { M: 784, N: 128, K: 32, sai: 1, sak: 784 },
  },
  {
    name: 'dy[32,10]·W2[128,10]ᵀ',
    ir: `%dy = input : f32[?,10]
         %w = input : f32[128,10]
         %0 = matmul_nt %dy, %w : f32[?,128]
         output "y" = %0`,
    train: { M: 32, N: 128, K: 10, sai: 10, sak: 1, transposeB: true },
  },
  {
    name: 'dh[32,128]·W1[784,128]ᵀ',
    ir: `%dh = input : f32[?,128]
         %w = input : f32[784,128]
         %0 = matmul_nt %dh, %w : f32[?,784]
         output "y" = %0`,
    train: { M: 32, N: 784, K: 128, sai: 128, sak: 1, transposeB: true },
  },
];

/** Compiles optimized, eagerly (as the training kernels are), so both sides run TurboFan code. */
function eagerModule(bytes: Uint8Array): WebAssembly.Module {
  setFlagsFromString('--no-liftoff');
  setFlagsFromString('--no-wasm-lazy-compilation');
  try {
    return new WebAssembly.Module(bytes as Uint8Array<ArrayBuffer>);
  } finally {
    setFlagsFromString('--wasm-lazy-compilation');
    setFlagsFromString('--liftoff');
  }
}

/** Best of 7 rounds, each about 50 ms: µs per call. */
function time(call: () => void): number {
  let reps = 1;
  for (let t = 0; t < 5e-2; reps *= 2) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) call();
    t = (performance.now() - start) / 1000;
  }
  let best = Infinity;
  for (let round = 0; round < 7; round++) {
    const start = performance.now();
    for (let i = 0; i < reps; i++) call();
    best = Math.min(best, ((performance.now() - start) * 1000) / reps);
  }
  return best;
}

function nncCall(ir: string): () => void {
  const graph = parseGraph(ir);
  const compiled = compileWasm(graph, { simd: true, weights: 'embedded' });
  const instance = new WebAssembly.Instance(eagerModule(compiled.binary));
  const { memory, run } = instance.exports as { memory: WebAssembly.Memory; run: (rows: number) => void };
  new Float32Array(memory.buffer, compiled.memory.arenaBase, (compiled.memory.constBase - compiled.memory.arenaBase) / 4).forEach((_, i, a) => (a[i] = Math.sin(i)));
  return () => run(BATCH);
}

function trainCall({ M, N, K, sai, sak, transposeB }: Case['train']): () => void {
  const memory = new WebAssembly.Memory({ initial: 128 });
  const instance = new WebAssembly.Instance(compileKernels([gemmText()]), { env: { memory } });
  const gemm = instance.exports.gemm as (c: number, a: number, b: number, M: number, N: number, K: number, sai: number, sak: number) => void;
  const [a, b] = [1024, 1024 + M * K * 4 + 64];
  const c = b + K * N * 4 + 64;
  const f = new Float32Array(memory.buffer);
  f.forEach((_, i, arr) => (arr[i] = Math.sin(i)));
  const run = () => gemm(c, a, b, M, N, K, sai, sak);
  if (!transposeB) return run;
  // As the training step's matmul_nt: W [N, K] (stored after C) copied to Wᵀ [K, N] at b, then the GEMM.
  const [w, bt] = [(c + M * N * 4 + 64) / 4, b / 4];
  return () => {
    for (let r = 0; r < N; r++) for (let col = 0; col < K; col++) f[bt + col * N + r] = f[w + r * K + col]!;
    run();
  };
}

await loadTrainingKernels();
console.log('product                     nnc µs   train µs   nnc GFLOP/s   train GFLOP/s');
for (const c of CASES) {
  const flops = 2 * c.train.M * c.train.N * c.train.K;
  const ours = time(nncCall(c.ir));
  const theirs = time(trainCall(c.train));
  const gf = (us: number) => (flops / us / 1e3).toFixed(1);
  console.log(`${c.name.padEnd(26)} ${ours.toFixed(2).padStart(7)} ${theirs.toFixed(2).padStart(10)} ${gf(ours).padStart(13)} ${gf(theirs).padStart(15)}`);
}
