export { layers } from './layers/index.js';
export * from './layers/index.js';
export { input } from './layers/input-layer.js';
export { Layer, SymbolicTensor, type LayerArgs, type LayerCall, type LayerWeight } from './layer.js';
export { LayersModel, model, type ModelArgs } from './model.js';
export { Sequential, sequential, type SequentialArgs } from './sequential.js';
export type { CompileConfig } from './training-config.js';
