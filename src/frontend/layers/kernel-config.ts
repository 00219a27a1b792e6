import type { ActivationName } from '../../ir/activations.js';
import { tfjsActivationName } from './activation-lowering.js';

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
