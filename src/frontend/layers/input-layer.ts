import { NncError } from '../../errors.js';
import type { Node } from '../../ir/graph.js';
import type { Shape } from '../../ir/types.js';
import { Layer, SymbolicTensor, type LayerCall, type LowerContext } from '../layer.js';
import { uniqueInputName } from '../naming.js';

export interface InputArgs {
  /** Shape of one example, without the batch axis; a sequence of any length has null steps: `[null, 81]`. */
  shape?: readonly (number | null)[];
  /**
   * Full shape including the batch axis (`null` = any batch size); the step axis after it may be
   * `null` too, for sequences of any length (`[null, null, 81]`).
   */
  batchShape?: readonly (number | null)[];
  name?: string;
  /** float32 (default) or int32 (token ids for an Embedding); predict takes a Float32Array or an Int32Array. */
  dtype?: 'float32' | 'int32';
}

/** Where a model's data enters; `input()` makes one and returns its tensor. */
export class InputLayer extends Layer {
  readonly className = 'InputLayer';
  readonly output: SymbolicTensor;
  readonly dtype: 'float32' | 'int32';

  constructor(args: InputArgs) {
    // A shape that is not an array (untyped model files) is refused below, not spread.
    const batchShape = Array.isArray(args.batchShape) ? args.batchShape : Array.isArray(args.shape) ? [null, ...args.shape] : undefined;
    // A sequence of unknown length has null steps: axis 1, the first after the batch's.
    const known = (d: unknown, axis: number) => (Number.isInteger(d) && (d as number) > 0) || (d === null && axis === 1);
    if (!batchShape || !batchShape.slice(1).every((d, i) => known(d, i + 1)))
      throw new NncError('NNC1006', `input() needs a shape of positive integers, got ${JSON.stringify(args.shape ?? args.batchShape)}`, {
        ...(args.name ? { location: { layer: args.name } } : {}),
        hint: 'Give the shape of one example without the batch axis, e.g. input({ shape: [28, 28] }); only its first axis, the steps of a sequence, may be null (any length).',
      });
    super({ name: args.name || uniqueInputName(), batchInputShape: batchShape });
    if (args.dtype !== undefined && args.dtype !== 'float32' && args.dtype !== 'int32')
      this.fail('NNC1006', `dtype must be 'float32' or 'int32', got ${JSON.stringify(args.dtype)}`);
    this.dtype = args.dtype ?? 'float32';
    const call = { layer: this, inputs: [], index: 0 } as unknown as { output: SymbolicTensor; outputs: SymbolicTensor[] } & LayerCall;
    this.output = new SymbolicTensor(batchShape, call);
    call.output = this.output;
    call.outputs = [this.output];
    this.calls.push(call);
  }

  computeOutputShape(): Shape {
    return this.batchInputShape!;
  }

  lower(_ctx: LowerContext): Node {
    throw new Error('InputLayer is lowered by the model, not called');
  }

  getConfig(): Record<string, unknown> {
    return { batch_input_shape: this.batchInputShape, dtype: this.dtype, sparse: false, name: this.name };
  }
}

/** `input({shape: [28, 28]})`: a model input, as `tf.input` / `keras.Input`. */
export function input(args: InputArgs): SymbolicTensor {
  return new InputLayer(args).output;
}
