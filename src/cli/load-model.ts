import { extname } from 'node:path';
import { loadTfjsLayersModel } from '../frontend/import/tfjs-layers.js';
import { loadModelFile, type LoadedModelFile } from '../frontend/loader.js';

export interface LoadModelOptions {
  seed?: number;
}

/**
 * Loads whatever model file a command is given: a model.ts / model.js file, or a tfjs Layers
 * model.json. Further importers (tfjs graph models, ONNX) plug in here by file type.
 */
export function loadModelForCli(path: string, options: LoadModelOptions = {}): LoadedModelFile {
  if (extname(path) === '.json') return { file: path, model: loadTfjsLayersModel(path), exports: {} };
  return loadModelFile(path, options.seed === undefined ? {} : { seed: options.seed });
}
