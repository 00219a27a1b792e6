/**
 * nnc's public API for model files: the Keras/tfjs-layers vocabulary.
 *
 *   import { sequential, layers } from 'nnc';
 *   const model = sequential({ layers: [layers.flatten({ inputShape: [28, 28] }), layers.dense({ units: 10 })] });
 *   export default model;
 */
export * from './frontend/index.js';
export { NncError, type NncLocation } from './errors.js';
export type { DiagnosticCode } from './diagnostics.js';
import type { LayersModel } from './frontend/model.js';
import type { CompileBundleOptions } from './bundle/compile-bundle.js';
import type { BundleFile } from './bundle/target.js';
export type { CompileBundleOptions, BundleFile };
export type { FitHistory, ModelCallback, ModelData, ModelFitArgs } from './train/model-session.js';
export { callbacks, type EarlyStoppingArgs, type ModelCheckpointArgs, type ReduceLROnPlateauArgs } from './train/callbacks.js';
export { schedules, type ExponentialDecayArgs, type LearningRateSchedule } from './train/schedules.js';

/**
 * Compiles a model (after `model.fit`, with its trained weights) into a bundle directory, as
 * `nnc build` does. Loads the compiler (binaryen) on first use.
 */
export async function compileBundle(model: LayersModel, options: CompileBundleOptions): Promise<readonly BundleFile[]> {
  return (await import('./bundle/compile-bundle.js')).compileBundle(model, options);
}
