import type { ExecutorFactory } from '../executor.js';
import { compiledExecutor } from './executor.js';

export { compiledExecutor };
export { loadTrainingKernels } from './wasm-module.js';

/** What fit uses unless told otherwise. */
export const defaultExecutor: ExecutorFactory = compiledExecutor;
