import { NncError } from '../../errors.js';
import type { ActivationName } from '../../ir/activations.js';
import type { InitializerName } from '../initializers.js';
import { checkActivation, tfjsActivationName } from './activation-lowering.js';

/**
 * The Keras config keys of a layer with a kernel, an optional bias and an activation (Dense,
 * Conv2D), as tfjs / Keras write them. Initializers are written as Keras' defaults: the saved
 * weights, not the initializer, are what a loader uses.
 */
export function kernelLayerConfig(activation: ActivationName, useBias: boolean): Record<string, unknown> {
  return {
    activation: tfjsActivationName(activation),
    use_bias: useBias,
    kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
    bias_initializer: { class_name: 'Zeros', config: {} },
    kernel_regularizer: null,
    bias_regularizer: null,
    activity_regularizer: null,
    kernel_constraint: null,
    bias_constraint: null,
  };
}

/** The arguments every convolution layer (Conv1D, Conv2D) takes besides its window geometry. */
export interface ConvFilterArgs {
  filters: number;
  activation?: string;
  useBias?: boolean;
  kernelInitializer?: InitializerName;
  biasInitializer?: InitializerName;
}

/** Those arguments checked (NNC1006 / NNC1005 naming the layer), with Keras' defaults. */
export function convFilterOptions(args: ConvFilterArgs, layer: string) {
  const fail = (detail: string, hint?: string): never => {
    throw new NncError('NNC1006', detail, { location: { layer }, ...(hint ? { hint } : {}) });
  };
  if (!Number.isInteger(args.filters) || args.filters <= 0) fail(`filters must be a positive integer, got ${args.filters}`);
  return {
    filters: args.filters,
    activation: checkActivation(args.activation, layer),
    useBias: args.useBias ?? true,
    kernelInitializer: args.kernelInitializer ?? ('glorotUniform' as InitializerName),
    biasInitializer: args.biasInitializer ?? ('zeros' as InitializerName),
  };
}
