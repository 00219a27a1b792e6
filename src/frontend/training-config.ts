/**
 * How a model file says it is trained: Keras' compile() arguments. The training backend
 * (src/train) interprets these; the frontend only records them.
 */
export interface CompileConfig {
  /** 'adam' | 'sgd' | 'rmsprop', or an optimizer object from `optimizers.*`. */
  optimizer: string | { readonly name: string; readonly [option: string]: unknown };
  /**
   * One loss for every output, a list (one per output, in order) or an object keyed by output name.
   * Each is 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy' |
   * 'meanSquaredError' (or Keras' snake_case), or `{ name, fromLogits }`.
   */
  loss: LossArg | readonly LossArg[] | Readonly<Record<string, LossArg>>;
  /** Weights of the outputs' losses in the total (a list or an object by output name; default 1). */
  lossWeights?: readonly number[] | Readonly<Record<string, number>>;
  /**
   * Metric names: a flat list applies to every output (as Keras 2); a list of lists or an object
   * keyed by output name gives each output its own.
   */
  metrics?: readonly string[] | readonly (string | readonly string[])[] | Readonly<Record<string, string | readonly string[]>>;
}

export type LossArg = string | { readonly name: string; readonly [option: string]: unknown };
