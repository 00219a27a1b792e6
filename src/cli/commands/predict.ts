import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeFileAtomic } from '../../atomic-write.js';
import { MANIFEST_FILE } from '../../bundle/manifest.js';
import { bundleSignature } from '../../bundle/signature.js';
import { runTimeLoop } from '../../ir/time-loop.js';
import { NncError } from '../../errors.js';
import type { Tensor } from '../../ir/tensor.js';
import { valuesByName } from '../../train/data/by-name.js';
import { isTensorLike, toTensor } from '../../train/data/user-data.js';
import { parseCommandArgs, type Command } from '../command.js';
import { loadGraphForCli, MODEL_FILE_ARGS, MODEL_FILE_HELP, parseModelFileFlags } from '../load-model.js';

const ARGS = { input: { type: 'string', short: 'i' }, out: { type: 'string', short: 'o' }, ...MODEL_FILE_ARGS } as const;

interface ManifestTensor {
  readonly name: string;
  readonly dtype: 'float32' | 'int32' | 'bool';
  readonly shape: readonly (number | null)[];
}

/**
 * `nnc predict`: the outputs of a built bundle (its directory) or of a model (compiled on the fly,
 * with the weights the file gives) for inputs read from a JSON file, printed or written as JSON.
 */
export const predictCommand: Command = {
  name: 'predict',
  help: [
    'Usage: nnc predict <bundle-dir | model> --input FILE [options]',
    '',
    'Runs the model on the examples in FILE and prints its outputs as JSON: { "<output>": { "shape": [...], "data": [...] } }.',
    'A bundle directory (what `nnc build` writes, wasm target) runs as an application would import it; a model',
    "file is compiled first, with the weights it has (a model.ts's initialized weights: train it, or build it).",
    '',
    'FILE is JSON: one tensor (nested arrays, or { "shape": [...], "data": [...] }) for a model with one input,',
    'else a list of tensors in input order or an object keyed by input name. Axis 0 counts the examples.',
    '',
    'Options:',
    '  -i, --input FILE       the inputs (required)',
    '  -o, --out FILE         write the JSON here (replaced atomically) instead of printing it',
    ...MODEL_FILE_HELP,
  ].join('\n'),
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs('predict', argv, ARGS);
    if (positionals.length !== 1) throw usage(`takes one bundle directory or model file, got ${positionals.length} arguments`);
    if (values.input === undefined) throw usage('--input FILE is required');
    const target = positionals[0]!;
    const raw = readJson(values.input);
    const isBundle = existsSync(target) && statSync(target).isDirectory();
    const outputs = isBundle ? await predictWithBundle(target, raw) : await predictWithModel(target, raw, parseModelFileFlags('predict', values));
    const text = `${JSON.stringify(Object.fromEntries(Object.entries(outputs).map(([k, t]) => [k, { shape: t.shape, data: Array.from(t.data) }])))}\n`;
    if (values.out === undefined) io.out(text.trimEnd());
    else {
      writeFileAtomic(values.out, text);
      io.err(`wrote ${values.out}`);
    }
    return 0;
  },
};

const usage = (detail: string) => new NncError('NNC4003', `nnc predict: ${detail}`, { hint: 'Run `nnc predict --help`.' });

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new NncError('NNC5003', `input file '${file}' not found`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new NncError('NNC5002', `input file '${file}' is not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

/** The input tensors, one per name, checked against the per-example shape the model declares. */
function inputTensors(raw: unknown, inputs: readonly { name: string; shape: readonly (number | null)[] }[]): Tensor[] {
  const names = inputs.map((i) => i.name);
  return valuesByName(raw, names, 'input', isTensorLike).map((v, i) => {
    const t = toTensor(v, names.length === 1 ? 'input' : `input.${names[i]}`);
    const want = inputs[i]!.shape;
    const batched = want[0] === null;
    const rowShape = batched ? want.slice(1) : want;
    const got = batched ? t.shape.slice(1) : t.shape;
    if (got.length !== rowShape.length || rowShape.some((d, k) => d !== null && d !== got[k]))
      throw new NncError('NNC5002', `input '${names[i]}' has shape [${t.shape.join(',')}], expected [${want.map((d) => d ?? 'N').join(',')}]`);
    return t;
  });
}

async function predictWithBundle(dir: string, raw: unknown): Promise<Record<string, Tensor>> {
  const manifestPath = join(dir, MANIFEST_FILE);
  if (!existsSync(manifestPath)) throw usage(`'${dir}' is a directory without ${MANIFEST_FILE}: not a bundle nnc built`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { target: string; inputs: ManifestTensor[]; outputs: ManifestTensor[] };
  if (manifest.target !== 'wasm')
    throw new NncError('NNC4003', `nnc predict: '${dir}' is a ${manifest.target} bundle`, { hint: 'nnc predict runs wasm bundles; build one with --target wasm, or pass the model file.' });
  const tensors = inputTensors(raw, manifest.inputs);
  const batch = manifest.inputs[0]!.shape[0] === null ? tensors[0]!.shape[0]! : 1;
  // A sequence of any length (shape [null, null, ...]): predict takes its number of steps first.
  const sequence = manifest.inputs.findIndex((t) => t.shape.length >= 2 && t.shape[1] === null);
  const steps = sequence >= 0 ? tensors[sequence]!.shape[1]! : undefined;
  const arrays = tensors.map((t, i) => (manifest.inputs[i]!.dtype === 'float32' ? Float32Array.from(t.data) : manifest.inputs[i]!.dtype === 'int32' ? Int32Array.from(t.data) : Uint8Array.from(t.data)));
  const bundle = (await import(pathToFileURL(resolve(dir, 'model.js')).href)) as { load(): Promise<{ predict(x: unknown, ...sizes: number[]): unknown }> };
  const model = await bundle.load();
  const argument = arrays.length === 1 ? arrays[0] : Object.fromEntries(manifest.inputs.map((t, i) => [t.name, arrays[i]]));
  const result = (await model.predict(argument, ...(steps === undefined ? [batch] : [steps, batch]))) as ArrayLike<number> | Record<string, ArrayLike<number>>;
  const byName: Record<string, ArrayLike<number>> = manifest.outputs.length === 1 && !isRecordOfArrays(result) ? { [manifest.outputs[0]!.name]: result as ArrayLike<number> } : (result as Record<string, ArrayLike<number>>);
  return Object.fromEntries(
    manifest.outputs.map((o) => {
      const shape = o.shape.map((d, axis) => d ?? (axis === 0 ? batch : steps!));
      return [o.name, { shape, data: Float32Array.from(byName[o.name]!) } as Tensor];
    }),
  );
}

const isRecordOfArrays = (v: unknown) => typeof v === 'object' && v !== null && !ArrayBuffer.isView(v);

async function predictWithModel(path: string, raw: unknown, load: ReturnType<typeof parseModelFileFlags>): Promise<Record<string, Tensor>> {
  const { graph } = await loadGraphForCli(path, load);
  // The caller's inputs and outputs (not the states a time loop carries), a sequence of any length as [batch, steps, ...].
  const signature = bundleSignature(graph);
  const tensors = inputTensors(raw, signature.inputs);
  const { loadWasmBackend, wasmExecutor } = await import('../../train/wasm-executor.js');
  const { predictBatches } = await import('../../train/trainer.js');
  await loadWasmBackend();
  const executor = wasmExecutor(graph);
  if (graph.loop) {
    // One step of a time loop (a sequence of any length): the executor runs it once per step.
    const { asInputDtype } = await import('../../train/batches.js');
    const named = Object.fromEntries(signature.inputs.map((t, i) => [t.name, asInputDtype(tensors[i]!, graph.inputs.find((n) => n.name === t.name)!.type.dtype, `input '${t.name}'`)]));
    const out = runTimeLoop(graph, graph.loop, named, (x) => executor.run(x));
    return Object.fromEntries(signature.outputs.map((o) => [o.name, out[o.name]!]));
  }
  if (graph.inputs.some((n) => n.type.shape[0] !== null)) {
    // A model without a batch axis (a static ONNX graph) runs once on exactly its shapes.
    const out = executor.run(Object.fromEntries(graph.inputs.map((n, i) => [n.name!, tensors[i]!])));
    return Object.fromEntries(graph.outputs.map((o) => [o.name, { shape: out[o.name]!.shape, data: out[o.name]!.data.slice() } as Tensor]));
  }
  const results = predictBatches(graph, executor, tensors, 256);
  return Object.fromEntries(graph.outputs.map((o, i) => [o.name, results[i]!]));
}
