import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { formatKerasShape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

/** Collapses every axis but the batch into one, as Keras Flatten. */
export class Flatten extends Layer {
  readonly className = 'Flatten';

  constructor(args: LayerArgs = {}) {
    super(args);
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const rest = shape!.slice(1);
    if (rest.some((d) => d === null)) this.fail('NNC2003', `cannot flatten ${formatKerasShape(shape!)}: only the batch axis may be unknown`);
    return [shape![0]!, rest.reduce<number>((p, d) => p * (d as number), 1)];
  }

  lower({ b, inputs }: LowerContext): Node {
    const size = inputs[0]!.type.shape.slice(1).reduce<number>((p, d) => p * (d as number), 1);
    return b.op('reshape', [inputs[0]!], { shape: [size] });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), data_format: 'channels_last' };
  }
}
