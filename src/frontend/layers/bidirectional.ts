import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { RecurrentLayer } from './recurrent.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_MODES: readonly (MergeMode | null)[] = ['concat', 'sum', 'mul', 'ave'];

export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer to run both ways; the wrapper owns two copies of it (its own weights unused). */
  layer: RecurrentLayer;
  /** How the two directions' outputs combine (Keras' default concat); null (two outputs) is not supported. */
  mergeMode?: MergeMode | null;
}

/**
 * Keras Bidirectional: a copy of the layer over the sequence (`forward_<name>`) and one over it
 * backwards (`backward_<name>`, goBackwards flipped), each with its own weights, their outputs
 * merged. With returnSequences the backward layer's outputs are reversed along time first (as
 * Keras and tfjs do), so step t of the result sees the whole sequence. Initial states: the forward layer's, then the backward's.
 */
export class Bidirectional extends Layer {
  readonly className = 'Bidirectional';
  override readonly arity = 'many' as const;
  readonly forward: RecurrentLayer;
  readonly backward: RecurrentLayer;
  readonly mergeMode: MergeMode;

  constructor(args: BidirectionalArgs) {
    super(args);
    if (!(args.layer instanceof RecurrentLayer)) this.fail('NNC1006', 'layer must be a recurrent layer (simpleRNN, gru or lstm)');
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (mode === null) this.fail('NNC1006', 'mergeMode null (the two directions as two outputs) is not supported yet', "Use 'concat', 'sum', 'mul' or 'ave'.");
    if (!MERGE_MODES.includes(mode)) this.fail('NNC1006', `mergeMode must be one of concat, sum, mul, ave, got ${JSON.stringify(mode)}`);
    this.mergeMode = mode;
    const inner = args.layer;
    this.forward = inner.copy({ name: `${this.name}/forward_${inner.name}` });
    this.backward = inner.copy({ name: `${this.name}/backward_${inner.name}`, goBackwards: !inner.goBackwards });
  }

  /** The sequence and the forward layer's initial states, or the sequence and the backward layer's. */
  private halves(shapes: readonly Shape[]): [Shape[], Shape[]] {
    const [x, ...states] = shapes;
    if (states.length % 2 !== 0) this.fail('NNC1006', `takes initial states for both directions (an even number), got ${states.length}`);
    return [[x!, ...states.slice(0, states.length / 2)], [x!, ...states.slice(states.length / 2)]];
  }

  computeOutputShape(shapes: readonly Shape[]): Shape {
    const [f, bw] = this.halves(shapes);
    const shape = this.forward.computeOutputShape(f);
    this.backward.computeOutputShape(bw);
    if (this.mergeMode !== 'concat') return shape;
    const last = shape[shape.length - 1] as number;
    return [...shape.slice(0, -1), 2 * last];
  }

  protected override build(shapes: readonly Shape[]): void {
    const [f, bw] = this.halves(shapes);
    this.weights.push(...this.forward.buildWeights(f), ...this.backward.buildWeights(bw));
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    const [x, ...states] = inputs;
    const n = this.forward.weights.length;
    const half = states.length / 2;
    const y = this.forward.lowerSequence({ b, inputs: [x!, ...states.slice(0, half)], weights: weights.slice(0, n) }, false);
    const yRev = this.backward.lowerSequence({ b, inputs: [x!, ...states.slice(half)], weights: weights.slice(n) }, true);
    switch (this.mergeMode) {
      case 'concat':
        return b.op('concat', [y, yRev], { axis: -1 });
      case 'sum':
        return b.op('add', [y, yRev]);
      case 'mul':
        return b.op('mul', [y, yRev]);
      case 'ave':
        return b.op('mul', [b.constant([0.5], { dtype: 'f32', shape: [] }), b.op('add', [y, yRev])]);
    }
  }

  getConfig(): Record<string, unknown> {
    const inner = this.forward.getConfig();
    const name = String(inner.name).slice(`${this.name}/forward_`.length);
    return { ...this.baseConfig(), layer: { class_name: this.forward.className, config: { ...inner, name } }, merge_mode: this.mergeMode };
  }
}
