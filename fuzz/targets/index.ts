import type { FuzzTarget } from '../harness.js';
import { bundleTarget } from './bundle.js';
import { modelFileTarget } from './model-file.js';
import { onnxTarget } from './onnx.js';
import { tfjsGraphTarget } from './tfjs-graph.js';
import { tfjsLayersTarget } from './tfjs-layers.js';
import { trainingTarget } from './training.js';

/** Every fuzz target, in the order `npm run fuzz` runs them. */
export const TARGETS: readonly FuzzTarget[] = [tfjsLayersTarget, tfjsGraphTarget, onnxTarget, modelFileTarget, trainingTarget, bundleTarget];
