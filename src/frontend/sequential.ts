import { NncError } from '../errors.js';
import { InputLayer } from './layers/input-layer.js';
import { Layer, type SymbolicTensor } from './layer.js';
import { LayersModel } from './model.js';

export interface SequentialArgs {
  layers?: readonly Layer[];
  name?: string;
}

/**
 * A linear stack of layers, as `tf.sequential` / `keras.Sequential`. The first layer states the
 * input shape (`inputShape`), or the stack starts with an InputLayer. The stack is turned into
 * the same layer-call graph a Functional model has, so both lower through one path.
 */
export class Sequential extends LayersModel {
  private readonly stack: Layer[] = [];
  private built = false;

  constructor(args: SequentialArgs = {}) {
    super(undefined, 'sequential');
    for (const l of args.layers ?? []) this.add(l);
  }

  override get kind(): 'sequential' {
    return 'sequential';
  }

  add(layer: Layer): void {
    if (!(layer instanceof Layer))
      throw new NncError('NNC2006', `sequential '${this.name}': add() expects a layer, got ${typeof layer}`, {
        hint: 'Create layers with layers.dense({...}), layers.flatten(), ...',
      });
    if (this.built) throw new NncError('NNC2006', `sequential '${this.name}' is already built; add layers before using it`);
    this.stack.push(layer);
  }

  protected override ensureGraph(): void {
    if (this.built) return;
    if (this.stack.length === 0)
      throw new NncError('NNC2006', `sequential '${this.name}' has no layers`, { hint: 'Pass layers: sequential({ layers: [...] }).' });
    const [first, ...rest] = this.stack as [Layer, ...Layer[]];
    let x: SymbolicTensor;
    let body: Layer[];
    if (first instanceof InputLayer) {
      x = first.output;
      body = rest;
    } else {
      if (!first.batchInputShape)
        throw new NncError('NNC2006', `sequential '${this.name}': the first layer does not state its input shape`, {
          location: { layer: first.name },
          hint: 'Give the first layer an inputShape, e.g. layers.flatten({ inputShape: [28, 28] }).',
        });
      x = new InputLayer({ batchShape: first.batchInputShape, dtype: first.inputDtype }).output;
      body = this.stack;
    }
    const input = x;
    for (const layer of body) {
      const outputs = layer.applyAll(x);
      if (outputs.length !== 1)
        throw new NncError('NNC2006', `sequential '${this.name}': layer '${layer.name}' returns ${outputs.length} tensors`, {
          location: { layer: layer.name },
          hint: 'Every layer of a Sequential model has one output, as in Keras: build a Functional model (model({ inputs, outputs })) to use returned states.',
        });
      x = outputs[0]!;
    }
    this.built = true;
    this.setGraph([input], [x]);
  }
}

export function sequential(args: SequentialArgs = {}): Sequential {
  return new Sequential(args);
}
