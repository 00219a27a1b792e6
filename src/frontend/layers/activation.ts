import type { Node } from '../../ir/graph.js';
import type { ActivationName } from '../../ir/activations.js';
import type { Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { checkActivation, lowerActivation, tfjsActivationName } from './activation-lowering.js';

export interface ActivationArgs extends LayerArgs {
  activation: string;
}

/** Applies an activation function, as Keras Activation. `linear` lowers to an identity. */
export class Activation extends Layer {
  readonly className = 'Activation';
  override readonly lastAxisOnly = true;
  readonly activation: ActivationName;

  constructor(args: ActivationArgs) {
    super(args);
    this.activation = checkActivation(args.activation, this.name);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    return shape!;
  }

  lower({ b, inputs }: LowerContext): Node {
    const y = lowerActivation(b, inputs[0]!, this.activation);
    return y === inputs[0] ? b.op('identity', [y]) : y;
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), activation: tfjsActivationName(this.activation) };
  }
}
