import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { NncError } from '../errors.js';
import { DEFAULT_TIME_LIMIT_SECONDS } from '../frontend/model-file-guard.js';
import { DEFAULT_MAX_WEIGHTS_MB, setMaxWeightsMb } from '../frontend/weight-limit.js';
import { DEFAULT_MEMORY_LIMIT_MB } from './isolation.js';
import { isTfjsGraphModel, loadTfjsGraphModel } from '../frontend/import/tfjs-graph.js';
import { loadTfjsLayersModel } from '../frontend/import/tfjs-layers.js';
import type { LoadedModelFile } from '../frontend/loader.js';
import type { LayersModel } from '../frontend/model.js';
import type { Graph } from '../ir/graph.js';
import type { OnnxImportOptions } from '../frontend/import/onnx.js';

export interface LoadModelOptions {
  seed?: number;
  /** How long a model.ts may run while it loads (--time-limit). */
  timeLimitSeconds?: number;
  /** ONNX graph inputs frozen to constants and symbolic axes sized (--freeze, --shape). */
  graphInputs?: OnnxImportOptions;
}

/**
 * The options of every command that runs a model file. `--memory-limit` is read by the process
 * that starts the command's worker (isolation.ts); the command only checks it.
 */
export const MODEL_FILE_ARGS = {
  'time-limit': { type: 'string' },
  'memory-limit': { type: 'string' },
  'max-weights-mb': { type: 'string' },
} as const;

export const MODEL_FILE_HELP = [
  `  --time-limit S      seconds a model.ts may run while it loads (default ${DEFAULT_TIME_LIMIT_SECONDS})`,
  `  --memory-limit MB   heap the command may use, model file included (default ${DEFAULT_MEMORY_LIMIT_MB})`,
  `  --max-weights-mb MB refuse a model whose weights need more (default ${DEFAULT_MAX_WEIGHTS_MB})`,
];

/**
 * Reads --time-limit into loader options, checks --memory-limit, and sets --max-weights-mb for
 * every model this command loads.
 */
export function parseModelFileFlags(
  command: string,
  values: { 'time-limit'?: string; 'memory-limit'?: string; 'max-weights-mb'?: string },
): Pick<LoadModelOptions, 'timeLimitSeconds'> {
  const positive = (flag: string, value: string | undefined): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || !(n > 0))
      throw new NncError('NNC4003', `nnc ${command}: --${flag} must be a positive number, got '${value}'`, { hint: `Run \`nnc ${command} --help\`.` });
    return n;
  };
  positive('memory-limit', values['memory-limit']);
  setMaxWeightsMb(positive('max-weights-mb', values['max-weights-mb']) ?? DEFAULT_MAX_WEIGHTS_MB);
  const seconds = positive('time-limit', values['time-limit']);
  return seconds === undefined ? {} : { timeLimitSeconds: seconds };
}

/**
 * Loads a model that has layers: a model.ts / model.js file or a tfjs Layers model.json
 * (what `summary` and training need).
 */
export async function loadModelForCli(path: string, options: LoadModelOptions = {}): Promise<LoadedModelFile> {
  if (isGraphOnly(path))
    throw new NncError(
      'NNC1009',
      `'${path}' is ${extname(path) === '.onnx' ? 'an ONNX model' : 'a tfjs graph model'}: a graph of ops, with no layers to summarize or train`,
      { location: { file: path } },
    );
  if (extname(path) === '.json') return { file: path, model: loadTfjsLayersModel(path), exports: {} };
  // ts-morph (the model-file loader) takes a second to load: only model files pay for it.
  const { loadModelFile } = await import('../frontend/loader.js');
  return loadModelFile(path, {
    ...(options.seed === undefined ? {} : { seed: options.seed }),
    ...(options.timeLimitSeconds === undefined ? {} : { timeLimitSeconds: options.timeLimitSeconds }),
  });
}

export interface LoadedGraph {
  readonly file: string;
  readonly graph: Graph;
  /** Present when the model came with layers (model.ts, tfjs Layers JSON). */
  readonly model?: LayersModel;
  readonly exports: Readonly<Record<string, unknown>>;
}

/** Formats that arrive as a graph of ops rather than layers: ONNX and tfjs graph models. */
function isGraphOnly(path: string): boolean {
  if (extname(path) === '.onnx') return true;
  if (extname(path) !== '.json') return false;
  try {
    return isTfjsGraphModel(JSON.parse(readFileSync(path, 'utf8')));
  } catch {
    return false; // the Layers importer reports malformed JSON with its own diagnostic
  }
}

/** Loads any model nnc compiles, as IR: everything loadModelForCli takes, plus graph models. */
export async function loadGraphForCli(path: string, options: LoadModelOptions = {}): Promise<LoadedGraph> {
  if (extname(path) === '.onnx') {
    const { loadOnnxGraph } = await import('../frontend/import/onnx.js');
    return { file: path, graph: loadOnnxGraph(path, options.graphInputs), exports: {} };
  }
  const flags = Object.keys(options.graphInputs ?? {});
  if (flags.length > 0)
    throw new NncError('NNC4003', `--${flags[0] === 'freeze' ? 'freeze' : 'shape'} applies to ONNX models; '${path}' is not one`, { location: { file: path } });
  if (isGraphOnly(path)) return { file: path, graph: loadTfjsGraphModel(path), exports: {} };
  const loaded = await loadModelForCli(path, options);
  return { ...loaded, graph: loaded.model.toGraph() };
}
