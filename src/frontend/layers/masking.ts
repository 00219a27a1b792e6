import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface MaskingArgs extends LayerArgs {
  /** A step whose features all equal this value is skipped downstream (Keras' default 0). */
  maskValue?: number;
}

/**
 * Keras Masking: [batch, steps, ...features] unchanged where a step has a feature other than
 * maskValue, zeros where every feature equals it; the steps' mask ([batch, steps], 1 for a step
 * that counts) goes to the layers after it, which skip the masked steps (a recurrent layer keeps
 * its states there). `x ≠ maskValue` is ceil(min(|x − maskValue|, 1)): exactly 0 or 1 for any
 * finite x (a NaN feature makes its step's mask NaN, where tfjs counts the step; either way the
 * step's output is NaN).
 */
export class Masking extends Layer {
  readonly className = 'Masking';
  readonly maskValue: number;

  constructor(args: MaskingArgs = {}) {
    super(args);
    if (args.maskValue !== undefined && typeof args.maskValue !== 'number') this.fail('NNC1006', `maskValue must be a number, got ${JSON.stringify(args.maskValue)}`);
    this.maskValue = args.maskValue ?? 0;
  }

  /** A step's mask reads that step's features only. */
  override readsStepByStep(): boolean {
    return true;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    if (shape!.length < 3) this.fail('NNC2003', `needs an input of shape [batch, steps, features], got ${formatKerasShape(shape!)}`);
    return shape!;
  }

  protected override outputMasks(): boolean[] {
    return [true];
  }

  /**
   * 1 for a step with any feature ≠ maskValue: [batch, steps, 1, ...] (the features' axes kept,
   * for broadcasting). lower and lowerMasks each emit it; the cse pass keeps one.
   */
  private stepsKept({ b, inputs }: LowerContext): Node {
    const x = inputs[0]!;
    const differs = b.op('elementwise', [x], { expr: `ceil(min(abs(sub($0,${this.maskValue})),1))` });
    const axes = x.type.shape.map((_, i) => i).slice(2);
    return b.op('reduce_max', [differs], { axes, keepdims: true });
  }

  lower(ctx: LowerContext): Node {
    return ctx.b.op('mul', [ctx.inputs[0]!, this.stepsKept(ctx)]);
  }

  override lowerMasks(ctx: LowerContext): (Node | undefined)[] {
    const steps = ctx.inputs[0]!.type.shape[1];
    return [ctx.b.op('reshape', [this.stepsKept(ctx)], { shape: [steps as number] })];
  }

  getConfig(): Record<string, unknown> {
    return { ...this.baseConfig(), mask_value: this.maskValue };
  }
}
