import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface RepeatVectorArgs extends LayerArgs {
  /** How many times to repeat the input. */
  n: number;
}

/** Keras RepeatVector: [batch, features] → [batch, n, features] (the seq2seq decoder's input): n copies concatenated along a new step axis. */
export class RepeatVector extends Layer {
  readonly className = 'RepeatVector';
  readonly n: number;

  constructor(args: RepeatVectorArgs) {
    super(args);
    if (!Number.isInteger(args.n) || args.n <= 0) this.fail('NNC1006', `n must be a positive integer, got ${args.n}`);
    this.n = args.n;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length !== 2 || shape![1] === null) this.fail('NNC2003', `needs an input of shape [batch, features], got ${formatKerasShape(shape!)}`);
    return [shape![0]!, this.n, shape![1]!];
  }

  lower({ b, inputs }: LowerContext): Node {
    const row = b.op('reshape', [inputs[0]!], { shape: [1, inputs[0]!.type.shape[1] as number] });
    return this.n === 1 ? row : b.op('concat', new Array<Node>(this.n).fill(row), { axis: 1 });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), n: this.n };
  }
}
