import { NncError } from '../../errors.js';
import { ACTIVATION_NAMES, ACTIVATIONS, resolveActivation, type ActivationName } from '../../ir/activations.js';
import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';

/** Validates an activation name given to a layer; unknown names are NNC1005 naming the layer. */
export function checkActivation(name: string | undefined, layer: string): ActivationName {
  const act = resolveActivation(name);
  if (!act)
    throw new NncError('NNC1005', `'${name}'`, {
      location: { layer },
      hint: `Use one of: ${ACTIVATION_NAMES.join(', ')}.`,
    });
  return act;
}

/** Emits the activation's op (none for linear). Softmax acts on the last axis, as in Keras. */
export function lowerActivation(b: GraphBuilder, x: Node, act: ActivationName): Node {
  const op = ACTIVATIONS[act];
  if (op === null) return x;
  return b.op(op, [x], op === 'softmax' ? { axis: -1 } : {});
}

/** tfjs-layers' spellings of activations in a layer config, where they differ from nnc's names. */
const TFJS_SPELLING: Partial<Record<ActivationName, string>> = { leakyRelu: 'leakyrelu', hardSigmoid: 'hard_sigmoid' };

/** tfjs-layers spelling of an activation in a layer config. */
export function tfjsActivationName(act: ActivationName): string {
  return TFJS_SPELLING[act] ?? act;
}
