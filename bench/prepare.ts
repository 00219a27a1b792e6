/**
 * Everything the runners load, written once per run into the cache folder from one model and
 * one set of weights: the nnc bundle (`nnc build`), the ONNX export, the tfjs Layers artifact
 * (nnc's own exporter; Dense layers keep their activation, so tfjs fuses bias and relu as usual),
 * seeded input rows, and the reference interpreter's outputs to check every engine against.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { exportOnnx } from '../src/export/onnx.js';
import { toTfjsArtifacts, WEIGHTS_FILE } from '../src/frontend/export-tfjs.js';
import { Random } from '../src/frontend/random.js';
import { loadModelFile } from '../src/frontend/loader.js';
import type { Graph, Node } from '../src/ir/graph.js';
import { interpret } from '../src/ir/interpreter.js';
import { tensor } from '../src/ir/tensor.js';
import { conv2dGeometry } from '../src/ir/ops/conv2d.js';
import { convOutShape } from '../src/ir/ops/conv2d-geometry.js';
import { epiloguePool } from '../src/ir/ops/pool-helpers.js';
import { elementsPerRow, type Shape } from '../src/ir/types.js';
import type { BenchContext } from './runners/types.js';

export interface PrepareOptions {
  readonly root: string;
  readonly modelPath: string;
  readonly cacheDir: string;
  /** Input rows to write (the throughput batch). */
  readonly rows: number;
  readonly referenceRows: number;
  /** Also build nnc's WebGPU bundle. */
  readonly webgpu: boolean;
}

export interface Prepared {
  readonly ctx: BenchContext;
  readonly inputFile: string;
  readonly referenceFile: string;
  readonly referenceRows: number;
  readonly flopsPerRow: number;
  readonly parameters: number;
  /** Why an nnc bundle could not be built, by the name of the runner that needs it. */
  readonly buildErrors: Readonly<Record<string, string>>;
}

/** 2 × multiply-accumulates per example of one node's product (matmul, dense, conv2d), or 0. */
export function nodeFlopsPerRow(n: Node): number {
  const w = n.inputs[1]?.type.shape as number[] | undefined;
  // weight [k, n], or the conv kernel [kh, kw, c, f]: one MAC per k per output element
  const k = n.op === 'matmul' || n.op === 'dense' ? w![0]! : n.op === 'conv2d' ? w![0]! * w![1]! * w![2]! : 0;
  return 2 * k * elementsPerRow(productShape(n));
}

/** A shape as the profiles print it: 32×28×28, the batch axis as `?`. */
export const shapeText = (shape: Shape): string => shape.map((d) => d ?? '?').join('×');

/** A node's product before any pooling its epilogue applies (a fused conv2d's unpooled output). */
export function productShape(n: Node): Shape {
  if (n.op !== 'conv2d' || !epiloguePool(n.attrs)) return n.type.shape;
  const [x, w] = n.inputs as [Node, Node];
  return convOutShape(x.type.shape[0]!, conv2dGeometry(x.type.shape, w.type.shape, n.attrs), w.type.shape[3]!);
}

/** 2 × multiply-accumulates per example of every matrix product and convolution in the graph. */
export function flopsPerRow(graph: Graph): number {
  return graph.nodes.reduce((sum, n) => sum + nodeFlopsPerRow(n), 0);
}

/** Runs `nnc build` (seeded weights, no training); returns why it failed, or null. */
async function buildNncBundle(root: string, modelPath: string, outDir: string, extraArgs: readonly string[] = []): Promise<string | null> {
  rmSync(outDir, { recursive: true, force: true });
  try {
    const args = [join(root, 'bin/nnc.js'), 'build', modelPath, '--no-train', '-o', outDir, ...extraArgs];
    await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 16 << 20 });
    return null;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const lines = (err.stderr?.trim() || err.message).split('\n').filter((l) => l.trim());
    return (lines.find((l) => /\bNNC\d{4}\b|Error/.test(l)) ?? lines.slice(0, 3).join(' | ')).trim();
  }
}

function seededRows(rows: number, rowSize: number): Float32Array {
  const rng = new Random(2024);
  return Float32Array.from({ length: rows * rowSize }, () => rng.next()); // pixels in [0, 1)
}

export async function prepare(options: PrepareOptions): Promise<Prepared> {
  const { cacheDir } = options;
  mkdirSync(cacheDir, { recursive: true });
  const { model } = loadModelFile(options.modelPath);
  // Every runner takes one fixed shape (and the ONNX export refuses a time loop).
  if (model.hasUnknownSteps) throw new Error('bench: the model reads sequences of any length (null steps); give its input a number of steps, e.g. inputShape: [28, 28], to compare it with the peers');
  const graph = model.toGraph();
  const [input, ...moreInputs] = graph.inputs;
  const [output, ...moreOutputs] = graph.outputs;
  if (!input || !output || moreInputs.length || moreOutputs.length) throw new Error('bench: the model must have one input and one output');

  const onnxFile = join(cacheDir, 'model.onnx');
  writeFileSync(onnxFile, exportOnnx(graph));
  const tfjsDir = join(cacheDir, 'tfjs');
  const tfjs = toTfjsArtifacts(model);
  mkdirSync(tfjsDir, { recursive: true });
  writeFileSync(join(tfjsDir, 'model.json'), JSON.stringify(tfjs.modelJson));
  writeFileSync(join(tfjsDir, WEIGHTS_FILE), tfjs.weightsBin);

  const rowShape = input.type.shape.slice(1) as number[];
  const rowSize = elementsPerRow(input.type.shape);
  const x = seededRows(options.rows, rowSize);
  const inputFile = join(cacheDir, 'inputs.f32');
  writeFileSync(inputFile, x);
  const refX = tensor([options.referenceRows, ...rowShape], x.subarray(0, options.referenceRows * rowSize));
  const reference = interpret(graph, { [input.name!]: refX })[output.name]!;
  const referenceFile = join(cacheDir, 'reference.f32');
  writeFileSync(referenceFile, reference.data);

  // The default bundle (weights embedded) is the one measured; the external-weights build of
  // the same model only serves to count code and weights apart. Both build at once.
  const nncDir = join(cacheDir, 'nnc');
  const nncExternalDir = join(cacheDir, 'nnc-external-weights');
  const nncWebGpuDir = join(cacheDir, 'nnc-webgpu');
  const nncThreadsDir = join(cacheDir, 'nnc-threads');
  const build = (dir: string, ...args: string[]) => buildNncBundle(options.root, options.modelPath, dir, args);
  const [nncError, externalError, threadsError, webGpuError] = await Promise.all([
    build(nncDir),
    build(nncExternalDir, '--weights', 'external'),
    // External weights: measured and counted (code apart from weights) from one build.
    build(nncThreadsDir, '--threads', '2', '--weights', 'external'),
    // External weights: the WebGPU bundle is measured and counted from one build.
    options.webgpu ? build(nncWebGpuDir, '--target', 'webgpu', '--weights', 'external') : 'not asked for (--webgpu)',
  ]);
  const buildErrors: Record<string, string> = {};
  if (nncError) buildErrors.nnc = `nnc build failed: ${nncError}`;
  if (threadsError) buildErrors['nnc-threads'] = `nnc build --threads 2 --weights external failed: ${threadsError}`;
  if (options.webgpu && webGpuError) buildErrors['nnc-webgpu'] = `nnc build --target webgpu failed: ${webGpuError}`;
  const ctx: BenchContext = {
    root: options.root,
    nncDir: nncError ? null : nncDir,
    nncExternalDir: nncError || externalError ? null : nncExternalDir,
    nncThreadsDir: threadsError ? null : nncThreadsDir,
    nncWebGpuDir: webGpuError ? null : nncWebGpuDir,
    onnxFile,
    tfjsDir,
    inputName: input.name!,
    outputName: output.name,
    rowShape,
    outputSize: elementsPerRow(output.node.type.shape),
  };
  return { ctx, inputFile, referenceFile, referenceRows: options.referenceRows, flopsPerRow: flopsPerRow(graph), parameters: graph.parameterCount(), buildErrors };
}
