import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { isCount, type Sides } from './zero-padding.js';

export interface ZeroPadding1DArgs extends LayerArgs {
  /** Steps of zeros: one number for both ends, or [left, right]. Default 1. */
  padding?: number | Sides;
}

/** Zeros before and after the steps of [batch, steps, channels], as Keras ZeroPadding1D: one `pad`. */
export class ZeroPadding1D extends Layer {
  readonly className = 'ZeroPadding1D';
  readonly padding: Sides;

  constructor(args: ZeroPadding1DArgs = {}) {
    super(args, 'zero_padding1d');
    const p = args.padding ?? 1;
    const padding = isCount(p) ? ([p, p] as const) : Array.isArray(p) && p.length === 2 && p.every(isCount) ? ([p[0], p[1]] as const) : undefined;
    if (!padding) this.fail('NNC1006', `padding must be a non-negative integer or [left, right] of them, got ${JSON.stringify(args.padding)}`);
    this.padding = padding;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 3 || shape![1] === null) this.fail('NNC2003', `expects [batch, steps, channels] with known steps, got ${formatKerasShape(shape!)}`);
    const [n, steps, c] = shape!;
    return [n!, steps! + this.padding[0] + this.padding[1], c!];
  }

  lower({ b, inputs }: LowerContext): Node {
    const [before, after] = this.padding;
    return before + after === 0 ? inputs[0]! : b.op('pad', [inputs[0]!], { axis: 1, before, after });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), padding: [...this.padding] };
  }
}
