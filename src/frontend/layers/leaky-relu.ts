import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface LeakyReLUArgs extends LayerArgs {
  /** Slope for x < 0 (Keras' LeakyReLU layer defaults to 0.3). */
  alpha?: number;
}

/** x > 0 ? x : alpha * x, as Keras' LeakyReLU layer. */
export class LeakyReLU extends Layer {
  readonly className = 'LeakyReLU';
  override readonly lastAxisOnly = true;
  readonly alpha: number;

  constructor(args: LeakyReLUArgs = {}) {
    super(args, 'leaky_re_lu');
    this.alpha = args.alpha ?? 0.3;
    if (!Number.isFinite(this.alpha)) this.fail('NNC1006', `alpha must be a finite number, got ${args.alpha}`);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    return shape!;
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op('leaky_relu', [inputs[0]!], { alpha: this.alpha });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), alpha: this.alpha };
  }
}
