import { loadModelFile, type LoadedModelFile } from '../frontend/loader.js';

export interface LoadModelOptions {
  seed?: number;
}

/**
 * Loads whatever model file a command is given. Today: model.ts / model.js files; importers
 * (tfjs Layers JSON, tfjs graph models, ONNX) plug in here by file type.
 */
export function loadModelForCli(path: string, options: LoadModelOptions = {}): LoadedModelFile {
  return loadModelFile(path, options.seed === undefined ? {} : { seed: options.seed });
}
