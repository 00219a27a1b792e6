import type { Node } from '../../ir/graph.js';
import { isPermutation } from '../../ir/ops/transpose.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface PermuteArgs extends LayerArgs {
  /** The order of the example's axes, 1-based, batch excluded: [2, 1] swaps the two axes of a 2-D example. */
  dims: readonly number[];
}

/** Reorders the axes of each example, as Keras Permute: one `transpose` that keeps the batch axis. */
export class Permute extends Layer {
  readonly className = 'Permute';
  readonly dims: readonly number[];

  constructor(args: PermuteArgs) {
    super(args);
    const dims = Array.isArray(args.dims) ? args.dims : [];
    if (dims.length === 0 || !isPermutation(dims.map((d) => d - 1), dims.length))
      this.fail('NNC1006', `dims must be a permutation of 1..${dims.length || 'rank'} (1-based, batch excluded), got ${JSON.stringify(args.dims)}`);
    this.dims = [...dims];
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== this.dims.length + 1) this.fail('NNC2003', `dims ${JSON.stringify(this.dims)} needs an input of rank ${this.dims.length + 1} (batch included), got ${formatKerasShape(shape!)}`);
    return [shape![0]!, ...this.dims.map((d) => shape![d]!)];
  }

  lower({ b, inputs }: LowerContext): Node {
    return b.op('transpose', [inputs[0]!], { perm: [0, ...this.dims] });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), dims: this.dims };
  }
}
