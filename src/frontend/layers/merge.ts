import type { Node } from '../../ir/graph.js';
import { broadcastShapes } from '../../ir/ops/elementwise-helpers.js';
import { ShapeError } from '../../ir/registry.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

/** Base of the layers that combine several tensors. */
abstract class Merge extends Layer {
  override readonly arity = 'many' as const;

  protected checkCount(shapes: readonly Shape[], min: number, max = Infinity): void {
    if (shapes.length < min || shapes.length > max)
      this.fail('NNC1006', `takes ${max === min ? min : `at least ${min}`} inputs, got ${shapes.length}`, 'Pass an array of tensors: layer.apply([a, b]).');
  }
}

/** Elementwise merge: equal shapes (or Keras-style broadcast), one op folded over the inputs. */
abstract class ElementwiseMerge extends Merge {
  protected abstract readonly op: 'add' | 'sub' | 'mul' | 'maximum' | 'minimum';
  protected readonly maxInputs: number = Infinity;

  /** Step t of the result reads step t of each input. */
  override readsStepByStep(): boolean {
    return true;
  }

  computeOutputShape(shapes: readonly Shape[]): Shape {
    this.checkCount(shapes, 2, this.maxInputs);
    try {
      if (shapes.some((s) => s.length !== shapes[0]!.length)) throw new ShapeError('ranks differ');
      return broadcastShapes(shapes);
    } catch (e) {
      if (e instanceof ShapeError) this.fail('NNC2003', `inputs have incompatible shapes ${shapes.map(formatKerasShape).join(' and ')}`);
      throw e;
    }
  }

  lower({ b, inputs }: LowerContext): Node {
    return inputs.slice(1).reduce((acc, x) => b.op(this.op, [acc, x]), inputs[0]!);
  }

  getConfig(): Record<string, unknown> {
    return this.baseConfig();
  }
}

export class Add extends ElementwiseMerge {
  readonly className = 'Add';
  protected readonly op = 'add';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
}

export class Subtract extends ElementwiseMerge {
  readonly className = 'Subtract';
  protected readonly op = 'sub';
  protected override readonly maxInputs = 2;
  constructor(args: LayerArgs = {}) {
    super(args);
  }
}

export class Multiply extends ElementwiseMerge {
  readonly className = 'Multiply';
  protected readonly op = 'mul';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
}

/** The elementwise largest input, folded left as tfjs does (ties: the gradient goes to the earlier input). */
export class Maximum extends ElementwiseMerge {
  readonly className = 'Maximum';
  protected readonly op = 'maximum';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
}

/** The elementwise smallest input, folded left as tfjs does (ties: the gradient goes to the earlier input). */
export class Minimum extends ElementwiseMerge {
  readonly className = 'Minimum';
  protected readonly op = 'minimum';
  constructor(args: LayerArgs = {}) {
    super(args);
  }
}

/** The elementwise mean of the inputs: their sum times 1/n, in tfjs' order of operations. */
export class Average extends ElementwiseMerge {
  readonly className = 'Average';
  protected readonly op = 'add';
  constructor(args: LayerArgs = {}) {
    super(args);
  }

  override lower(context: LowerContext): Node {
    const sum = super.lower(context);
    return context.b.op('mul', [sum, context.b.constant([1 / context.inputs.length], { dtype: 'f32', shape: [] })]);
  }
}

export interface ConcatenateArgs extends LayerArgs {
  axis?: number;
}

/** Joins tensors along `axis` (default: last), as Keras Concatenate. */
export class Concatenate extends Merge {
  readonly className = 'Concatenate';
  readonly axis: number;

  constructor(args: ConcatenateArgs = {}) {
    super(args);
    this.axis = args.axis ?? -1;
  }

  /** Joining along any axis but the steps' keeps step t from the inputs' step t. */
  override readsStepByStep(shapes: readonly Shape[]): boolean {
    const rank = shapes[0]!.length;
    return (this.axis < 0 ? this.axis + rank : this.axis) !== 1;
  }

  computeOutputShape(shapes: readonly Shape[]): Shape {
    this.checkCount(shapes, 2);
    const rank = shapes[0]!.length;
    const axis = this.axis < 0 ? this.axis + rank : this.axis;
    const ok = axis >= 1 && axis < rank && shapes.every((s) => s.length === rank && s.every((d, i) => i === axis || d === shapes[0]![i]));
    if (!ok) this.fail('NNC2003', `cannot concatenate ${shapes.map(formatKerasShape).join(', ')} along axis ${this.axis}`);
    const out = [...shapes[0]!];
    out[axis] = shapes.reduce((n, s) => n + (s[axis] as number), 0);
    return out;
  }

  lower({ b, inputs }: LowerContext): Node {
    const rank = inputs[0]!.type.shape.length;
    return b.op('concat', [...inputs], { axis: this.axis < 0 ? this.axis + rank : this.axis });
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), axis: this.axis };
  }
}
