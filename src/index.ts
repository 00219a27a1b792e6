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
