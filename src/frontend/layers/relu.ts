import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface ReLUArgs extends LayerArgs {
  /** The ceiling: none (plain relu) or 6 (relu6, MobileNet's ReLU(6.)). */
  maxValue?: number | null;
}

/** Keras / tfjs ReLU layer: max(x, 0), capped at maxValue. Only no cap and a cap of 6 are computed; any other is refused. */
export class ReLU extends Layer {
  readonly className = 'ReLU';
  override readonly lastAxisOnly = true;
  readonly maxValue: number | null;

  constructor(args: ReLUArgs = {}) {
    super(args);
    this.maxValue = args.maxValue ?? null;
    if (this.maxValue !== null && this.maxValue !== 6) this.fail('NNC1006', `maxValue ${this.maxValue} is not supported`, 'nnc computes ReLU without a cap or with maxValue 6 (relu6).');
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    return shape!;
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op(this.maxValue === null ? 'relu' : 'relu6', [inputs[0]!]);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), max_value: this.maxValue };
  }
}
