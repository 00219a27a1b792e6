import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { NncError } from '../errors.js';
import { isTfjsGraphModel, loadTfjsGraphModel } from '../frontend/import/tfjs-graph.js';
import { loadTfjsLayersModel } from '../frontend/import/tfjs-layers.js';
import type { LoadedModelFile } from '../frontend/loader.js';
import type { LayersModel } from '../frontend/model.js';
import type { Graph } from '../ir/graph.js';

export interface LoadModelOptions {
  seed?: number;
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
  return loadModelFile(path, options.seed === undefined ? {} : { seed: options.seed });
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
    return { file: path, graph: loadOnnxGraph(path), exports: {} };
  }
  if (isGraphOnly(path)) return { file: path, graph: loadTfjsGraphModel(path), exports: {} };
  const loaded = await loadModelForCli(path, options);
  return { ...loaded, graph: loaded.model.toGraph() };
}
