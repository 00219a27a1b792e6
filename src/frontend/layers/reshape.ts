import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import { inferReshape } from '../../ir/ops/reshape.js';
import { ShapeError } from '../../ir/registry.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface ReshapeArgs extends LayerArgs {
  /** Shape of one example after the reshape (batch axis excluded); one entry may be -1. */
  targetShape: readonly number[];
}

/** Views each example with a new shape, as Keras Reshape. */
export class Reshape extends Layer {
  readonly className = 'Reshape';
  readonly targetShape: readonly number[];

  constructor(args: ReshapeArgs) {
    super(args);
    if (!Array.isArray(args.targetShape) || args.targetShape.some((d) => !Number.isInteger(d)))
      this.fail('NNC1006', `targetShape must be an array of integers, got ${JSON.stringify(args.targetShape)}`);
    this.targetShape = [...args.targetShape];
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    try {
      return inferReshape(shape!, this.targetShape);
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', `${formatKerasShape(shape!)}: ${e.message}`);
      throw e;
    }
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op('reshape', [inputs[0]!], { shape: [...this.targetShape] });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), target_shape: this.targetShape };
  }
}
