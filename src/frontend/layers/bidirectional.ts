import type { GraphBuilder } from '../../ir/builder.js';
import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';
import { RecurrentLayer } from './recurrent.js';

export type MergeMode = 'concat' | 'sum' | 'mul' | 'ave';
const MERGE_MODES: readonly MergeMode[] = ['concat', 'sum', 'mul', 'ave'];

export interface BidirectionalArgs extends LayerArgs {
  /** The recurrent layer to run both ways; the wrapper owns two copies of it (its own weights unused). */
  layer: RecurrentLayer;
  /** How the two directions' outputs combine (Keras' default concat); null returns both. */
  mergeMode?: MergeMode | null;
}

/**
 * Keras' Bidirectional, typed so that apply() returns a list (the outputs, then the forward and
 * the backward final states) when the layer returns its states or mergeMode is null.
 */
export function bidirectional(args: BidirectionalArgs & ({ layer: { readonly returnsList: true } } | { mergeMode: null })): Bidirectional & { readonly returnsList: true };
export function bidirectional(args: BidirectionalArgs): Bidirectional;
export function bidirectional(args: BidirectionalArgs): Bidirectional {
  return new Bidirectional(args);
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
  /** null: the two directions' outputs are returned apart. */
  readonly mergeMode: MergeMode | null;

  constructor(args: BidirectionalArgs) {
    super(args);
    if (!(args.layer instanceof RecurrentLayer)) this.fail('NNC1006', 'layer must be a recurrent layer (simpleRNN, gru or lstm)');
    const mode = args.mergeMode === undefined ? 'concat' : args.mergeMode;
    if (mode !== null && !MERGE_MODES.includes(mode)) this.fail('NNC1006', `mergeMode must be one of concat, sum, mul, ave, got ${JSON.stringify(mode)}`);
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

  override get returnsList(): boolean {
    return this.mergeMode === null || this.forward.returnState;
  }

  /** Both directions consume the mask; returned sequences keep it (both of them with mergeMode null), as Keras. */
  override get supportsMasking(): boolean {
    return true;
  }

  private get sequenceOutputs(): number {
    return this.forward.returnSequences ? (this.mergeMode === null ? 2 : 1) : 0;
  }

  protected override outputMasks(operandsMasked: readonly boolean[], outputs: number): boolean[] {
    return Array.from({ length: outputs }, (_, k) => k < this.sequenceOutputs && (operandsMasked[0] ?? false));
  }

  override lowerMasks(ctx: LowerContext): (Node | undefined)[] {
    return Array.from({ length: this.sequenceOutputs }, () => ctx.masks?.[0]);
  }

  computeOutputShape(shapes: readonly Shape[]): Shape {
    return this.computeOutputShapes(shapes)[0]!;
  }

  override computeOutputShapes(shapes: readonly Shape[]): Shape[] {
    const [f, bw] = this.halves(shapes);
    const shape = this.forward.computeOutputShape(f);
    this.backward.computeOutputShape(bw);
    const last = shape[shape.length - 1] as number;
    const outputs = this.mergeMode === null ? [shape, shape] : [this.mergeMode === 'concat' ? [...shape.slice(0, -1), 2 * last] : shape];
    if (!this.forward.returnState) return outputs;
    const batch = shapes[0]![0]!;
    return [...outputs, ...this.forward.stateShapes(batch), ...this.backward.stateShapes(batch)];
  }

  protected override build(shapes: readonly Shape[]): void {
    const [f, bw] = this.halves(shapes);
    this.weights.push(...this.forward.buildWeights(f), ...this.backward.buildWeights(bw));
  }

  /**
   * A sequence of any length: both halves read it step by step, the backward one from its end,
   * when the layer returns their final outputs; returned sequences would merge step t of both
   * halves, which one loop computes steps − 1 − 2t steps apart.
   */
  override readsStepByStep(): boolean {
    return !this.forward.returnSequences;
  }

  override readsBackward(): boolean {
    return true;
  }

  override carriedStates(): Shape[] {
    return [...this.forward.carriedStates(), ...this.backward.carriedStates()];
  }

  /** One step of both halves, each with its own states (the forward layer's first). */
  override lowerStep(ctx: LowerContext, states: readonly Node[]): { outputs: Node[]; states: Node[] } {
    const { b, weights } = ctx;
    const n = this.forward.weights.length;
    const split = this.forward.stateCount;
    const fw = this.forward.lowerSequence(this.forward.stepContext({ ...ctx, weights: weights.slice(0, n) }, states.slice(0, split)), false);
    const bw = this.backward.lowerSequence(this.backward.stepContext({ ...ctx, weights: weights.slice(n) }, states.slice(split)), false);
    const outputs = this.mergeMode === null ? [fw.output, bw.output] : [merge(b, this.mergeMode, fw.output, bw.output)];
    return { outputs: this.forward.returnState ? [...outputs, ...fw.states, ...bw.states] : outputs, states: [...fw.states, ...bw.states] };
  }

  lower(ctx: LowerContext): Node {
    return this.lowerAll(ctx)[0]!;
  }

  override lowerAll({ b, inputs, weights, masks }: LowerContext): Node[] {
    const [x, ...states] = inputs;
    const n = this.forward.weights.length;
    const half = states.length / 2;
    const sequenceMask = { masks: [masks?.[0]] };
    const fw = this.forward.lowerSequence({ b, inputs: [x!, ...states.slice(0, half)], weights: weights.slice(0, n), ...sequenceMask }, false);
    const bw = this.backward.lowerSequence({ b, inputs: [x!, ...states.slice(half)], weights: weights.slice(n), ...sequenceMask }, true);
    const outputs = this.mergeMode === null ? [fw.output, bw.output] : [merge(b, this.mergeMode, fw.output, bw.output)];
    return this.forward.returnState ? [...outputs, ...fw.states, ...bw.states] : outputs;
  }

  getConfig(): Record<string, unknown> {
    const inner = this.forward.getConfig();
    const name = String(inner.name).slice(`${this.name}/forward_`.length);
    return { ...this.baseConfig(), layer: { class_name: this.forward.className, config: { ...inner, name } }, merge_mode: this.mergeMode };
  }
}

/** The two directions' outputs as one (the backward one already reversed along time). */
function merge(b: GraphBuilder, mode: MergeMode, y: Node, yRev: Node): Node {
  switch (mode) {
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
