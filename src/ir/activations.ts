import { hasOwnKey, ownEntry } from '../own-keys.js';

/**
 * Keras/tfjs activation names and the IR op each lowers to. `linear` lowers to nothing.
 * Shared by the Layers API, the tfjs/ONNX importers and the fused dense op.
 */
export const ACTIVATIONS = {
  linear: null,
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  softmax: 'softmax',
  elu: 'elu',
  selu: 'selu',
  leakyRelu: 'leaky_relu',
  swish: 'swish',
  softplus: 'softplus',
  gelu: 'gelu',
  relu6: 'relu6',
  hardSigmoid: 'hard_sigmoid',
} as const satisfies Record<string, string | null>;

export type ActivationName = keyof typeof ACTIVATIONS;

/** Accepts the camelCase names and Keras' snake_case spellings (`leaky_relu`, `silu`). */
const ALIASES: Record<string, ActivationName> = { leaky_relu: 'leakyRelu', silu: 'swish', hard_sigmoid: 'hardSigmoid' };

export function resolveActivation(name: string | undefined | null): ActivationName | undefined {
  const key = name ?? 'linear';
  if (hasOwnKey(ACTIVATIONS, key)) return key;
  return ownEntry(ALIASES, key);
}

export function isActivationName(name: string): name is ActivationName {
  return hasOwnKey(ACTIVATIONS, name);
}

export const ACTIVATION_NAMES = Object.keys(ACTIVATIONS) as ActivationName[];
