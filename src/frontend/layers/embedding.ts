import type { Node } from '../../ir/graph.js';
import { formatKerasShape, type Shape } from '../../ir/types.js';
import { kerasInitializer, type InitializerName } from '../initializers.js';
import { Layer, type LayerArgs, type LowerContext } from '../layer.js';

export interface EmbeddingArgs extends LayerArgs {
  /** Vocabulary size: ids run from 0 to inputDim - 1. */
  inputDim: number;
  /** Length of each id's vector. */
  outputDim: number;
  embeddingsInitializer?: InitializerName;
  /** Id 0 is padding: the layers downstream skip its steps (Keras' mask). */
  maskZero?: boolean;
  /** Steps per example; as the first layer of a Sequential model it gives the input shape. */
  inputLength?: number | readonly number[];
}

/**
 * Keras Embedding: each int32 id of the input replaced by its row of `embeddings` [inputDim,
 * outputDim], [batch, ...] → [batch, ..., outputDim]; one `gather`, whose gradient (a scatter-add)
 * trains the rows the batch used. A float input is cast to int32 first, as tfjs-layers does.
 */
export class Embedding extends Layer {
  readonly className = 'Embedding';
  override readonly inputDtype = 'int32';
  readonly inputDim: number;
  readonly outputDim: number;
  readonly inputLength: readonly number[] | undefined;
  readonly maskZero: boolean;
  private readonly embeddingsInitializer: InitializerName;

  constructor(args: EmbeddingArgs) {
    const inputLength = typeof args.inputLength === 'number' ? [args.inputLength] : args.inputLength;
    // tfjs-layers: inputLength stands for the input shape when none is given.
    super(args.inputShape || args.batchInputShape || !inputLength ? args : { ...args, inputShape: inputLength });
    for (const key of ['inputDim', 'outputDim'] as const)
      if (!Number.isInteger(args[key]) || args[key] <= 0) this.fail('NNC1006', `${key} must be a positive integer, got ${args[key]}`);
    if (inputLength !== undefined && (!Array.isArray(inputLength) || !inputLength.every((d) => Number.isInteger(d) && d > 0)))
      this.fail('NNC1006', `inputLength must be a positive integer or a list of them, got ${JSON.stringify(args.inputLength)}`);
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
    this.inputLength = inputLength;
    this.maskZero = args.maskZero ?? false;
    this.embeddingsInitializer = args.embeddingsInitializer ?? 'randomUniform';
  }

  /** Each id becomes its row, whatever the step. */
  override readsStepByStep(): boolean {
    return true;
  }

  computeOutputShape([shape]: readonly Shape[]): Shape {
    const steps = shape!.slice(1);
    if (this.inputLength && (steps.length !== this.inputLength.length || steps.some((d, i) => d !== this.inputLength![i])))
      this.fail('NNC2003', `inputLength ${JSON.stringify(this.inputLength)} does not match the input shape ${formatKerasShape(shape!)}`);
    return [...shape!, this.outputDim];
  }

  protected override build(): void {
    this.addWeight('embeddings', [this.inputDim, this.outputDim], this.embeddingsInitializer);
  }

  /** With maskZero, a mask of the ids (1 where the id is not 0) for the layers after it. */
  protected override outputMasks(): boolean[] {
    return [this.maskZero];
  }

  override lowerMasks({ b, inputs }: LowerContext): (Node | undefined)[] {
    const ids = inputs[0]!;
    return [b.op('elementwise', [ids], { expr: ids.type.dtype === 'i32' ? 'to_f32(to_bool($0))' : 'to_f32(to_bool(to_i32($0)))' })];
  }

  lower({ b, inputs, weights }: LowerContext): Node {
    const ids = inputs[0]!.type.dtype === 'i32' ? inputs[0]! : b.op('cast', [inputs[0]!], { to: 'i32' });
    return b.op('gather', [weights[0]!, ids], { axis: 0 });
  }

  getConfig(): Record<string, unknown> {
    // Keras and tfjs give every Embedding a batch_input_shape ([null, input_length], null steps when
    // none is given); nnc knows its steps, so it writes the shape the layer was built for.
    const steps = this.inputLength ?? (this.inputShapes?.[0]?.slice(1) as number[] | undefined);
    return {
      ...this.baseConfig(),
      ...(steps ? { batch_input_shape: this.batchInputShape ?? [null, ...steps] } : {}),
      input_dim: this.inputDim,
      output_dim: this.outputDim,
      embeddings_initializer: kerasInitializer(this.embeddingsInitializer),
      embeddings_regularizer: null,
      activity_regularizer: null,
      embeddings_constraint: null,
      mask_zero: this.maskZero,
      input_length: steps === undefined ? null : steps.length === 1 ? steps[0] : steps,
    };
  }
}
