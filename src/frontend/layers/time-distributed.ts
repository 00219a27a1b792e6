import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, SymbolicTensor, type LayerArgs, type LayerCall, type LowerContext } from '../layer.js';

export interface TimeDistributedArgs extends LayerArgs {
  /** The layer applied to every step; it must map each vector along the last axis on its own. */
  layer: Layer;
}

/**
 * Keras TimeDistributed: the same layer (one weight set) applied to every step of [batch, steps,
 * ...]. nnc supports layers that work along the last axis only (Dense, activations, dropout,
 * LayerNormalization): those compute the same on [batch, steps, ...] as step by step, so the
 * wrapper lowers to the layer itself over the whole sequence — for Dense, one matmul over all
 * steps. Other layers (convolutions over frames, Flatten, ...) would need the batch and step axes
 * merged and are refused by name.
 */
export class TimeDistributed extends Layer {
  readonly className = 'TimeDistributed';
  readonly layer: Layer;

  constructor(args: TimeDistributedArgs) {
    super(args);
    if (!(args.layer instanceof Layer)) this.fail('NNC1006', 'layer must be a layer');
    if (!args.layer.lastAxisOnly)
      this.fail('NNC1006', `wrapping ${args.layer.className} is not supported yet: nnc wraps layers that work along the last axis (Dense, Activation, Dropout, LayerNormalization, ReLU, LeakyReLU)`);
    this.layer = args.layer;
  }

  /** The wrapped layer maps each vector along the last axis on its own. */
  override readsStepByStep(): boolean {
    return true;
  }

  /** The wrapped layer maps each step on its own, so the mask passes through. */
  override get supportsMasking(): boolean {
    return true;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length < 3) this.fail('NNC2003', `needs an input of shape [batch, steps, ...], got ${formatKerasShape(shape!)}`);
    const step = this.layer.computeOutputShape([[shape![0]!, ...shape!.slice(2)]]);
    return [step[0]!, shape![1]!, ...step.slice(1)];
  }

  protected override build([shape]: readonly Shape[]): void {
    // Applying the layer to one step's shape builds its weights (and checks the shape); that call
    // belongs to no model, so nothing else sees it. The weights are the wrapper's, named under it
    // as Keras and tfjs-layers save them (`time_distributed_1/kernel`); the layer's lowering takes
    // them in the same order.
    const step = new SymbolicTensor([shape![0]!, ...shape!.slice(2)], { layer: this, inputs: [], index: -1 } as unknown as LayerCall);
    this.layer.apply(step);
    for (const w of this.layer.weights) this.weights.push({ ...w, name: `${this.name}/${w.name.slice(this.layer.name.length + 1)}` });
  }

  lower(ctx: LowerContext): Node {
    return this.layer.lower(ctx);
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), layer: { class_name: this.layer.className, config: this.layer.getConfig() } };
  }
}
