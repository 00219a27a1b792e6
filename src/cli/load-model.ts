import { extname } from 'node:path';
import { NncError } from '../errors.js';
import { loadOnnxGraph } from '../frontend/import/onnx.js';
import { loadTfjsLayersModel } from '../frontend/import/tfjs-layers.js';
import { loadModelFile, type LoadedModelFile } from '../frontend/loader.js';
import type { LayersModel } from '../frontend/model.js';
import type { Graph } from '../ir/graph.js';

export interface LoadModelOptions {
  seed?: number;
}

/**
 * Loads a model that has layers: a model.ts / model.js file or a tfjs Layers model.json
 * (what `summary` and training need).
 */
export function loadModelForCli(path: string, options: LoadModelOptions = {}): LoadedModelFile {
  const ext = extname(path);
  if (ext === '.json') return { file: path, model: loadTfjsLayersModel(path), exports: {} };
  if (ext === '.onnx')
    throw new NncError('NNC1007', `'${path}' is an ONNX graph, which has no Keras layers`, {
      location: { file: path },
      hint: 'ONNX models can be compiled (`nnc ir`, `nnc build`) but have no layer summary or training recipe.',
    });
  return loadModelFile(path, options.seed === undefined ? {} : { seed: options.seed });
}

export interface LoadedGraph {
  readonly file: string;
  readonly graph: Graph;
  /** Present when the model came with layers (model.ts, tfjs Layers JSON). */
  readonly model?: LayersModel;
  readonly exports: Readonly<Record<string, unknown>>;
}

/** Loads any model nnc compiles, as IR: everything loadModelForCli takes, plus ONNX files. */
export function loadGraphForCli(path: string, options: LoadModelOptions = {}): LoadedGraph {
  if (extname(path) === '.onnx') return { file: path, graph: loadOnnxGraph(path), exports: {} };
  const loaded = loadModelForCli(path, options);
  return { ...loaded, graph: loaded.model.toGraph() };
}
