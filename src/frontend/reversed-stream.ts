import { NncError } from '../errors.js';
import type { GraphBuilder } from '../ir/builder.js';
import type { Node } from '../ir/graph.js';
import { InputLayer } from './layers/input-layer.js';
import type { Layer, SymbolicTensor } from './layer.js';
import type { StepKind } from './step-kinds.js';

/** A value in one step of a time loop, and its mask where it carries one. */
export interface StepValue {
  readonly value: Node;
  readonly mask?: Node | undefined;
}

/**
 * The sequences of a time loop read from their end, for a layer that reads backwards
 * (goBackwards, Bidirectional): at the loop's step t, step steps − 1 − t. A model input gets a
 * twin input the host fills so (`<name>/reversed`, TimeLoop.reversed); the step-wise layers
 * between it and the backward layer are lowered again over the twin (their weights shared). A
 * recurrent layer's returned sequence has no such twin: its step steps − 1 − t exists only at
 * the loop's end (refused, NNC1006).
 */
export class ReversedStream {
  private readonly values = new Map<SymbolicTensor, StepValue>();
  /** The twin inputs made, and the inputs they reverse. */
  readonly inputs: { name: string; of: string }[] = [];

  constructor(
    private readonly b: GraphBuilder,
    private readonly kinds: ReadonlyMap<SymbolicTensor, StepKind>,
    /** The value of a tensor in the loop's own order (a step-wise value, or one that is the same at every step). */
    private readonly forward: (t: SymbolicTensor) => StepValue,
    private readonly weights: (layer: Layer) => readonly Node[],
  ) {}

  /** `t` at step steps − 1 − t of the loop's step t. */
  of(t: SymbolicTensor): StepValue {
    if (this.kinds.get(t) !== 'step') return this.forward(t);
    const known = this.values.get(t);
    if (known) return known;
    const call = t.call;
    if (call.layer instanceof InputLayer) {
      const input = this.forward(t).value;
      const name = `${call.layer.name}/reversed`;
      this.inputs.push({ name, of: call.layer.name });
      this.values.set(t, { value: this.b.input(name, input.type) });
    } else {
      if (call.layer.carriedStates().length > 0)
        throw new NncError('NNC1006', `a layer reading backwards reads the sequence '${call.layer.name}' returns, whose last step exists only once the loop has run`, {
          location: { layer: call.layer.name },
          hint: 'With a sequence of any length nnc runs one loop: a goBackwards or Bidirectional layer must read the input sequence (through step-wise layers), not another recurrent layer\u2019s. Give the number of steps, e.g. inputShape: [28, 81], to stack them.',
        });
      const operands = call.inputs.map((x) => this.of(x));
      const saved = this.b.currentLayer;
      this.b.currentLayer = call.layer.name;
      const ctx = { b: this.b, inputs: operands.map((o) => o.value), weights: this.weights(call.layer), masks: operands.map((o) => o.mask) };
      const nodes = call.layer.lowerAll(ctx);
      const masks = call.outputs.some((o) => o.masked) ? call.layer.lowerMasks(ctx) : [];
      this.b.currentLayer = saved;
      call.outputs.forEach((o, k) => this.values.set(o, { value: nodes[k]!, mask: o.masked ? masks[k] : undefined }));
    }
    return this.values.get(t)!;
  }
}
