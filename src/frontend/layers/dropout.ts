import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface DropoutArgs extends LayerArgs {
  rate: number;
  seed?: number;
}

/** Zeroes a fraction `rate` of its inputs while training; the identity at inference. */
export class Dropout extends Layer {
  readonly className = 'Dropout';
  override readonly lastAxisOnly = true;
  readonly rate: number;

  constructor(args: DropoutArgs) {
    super(args);
    if (!(typeof args.rate === 'number' && args.rate >= 0 && args.rate < 1)) this.fail('NNC1006', `rate must be in [0, 1), got ${args.rate}`);
    this.rate = args.rate;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    return shape!;
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op('dropout', [inputs[0]!], { rate: this.rate });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), rate: this.rate, noise_shape: null, seed: null };
  }
}
