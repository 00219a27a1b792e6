/**
 * How a model file says it is trained: Keras' compile() arguments. The training backend
 * (src/train) interprets these; the frontend only records them.
 */
export interface CompileConfig {
  /** 'adam' | 'sgd' | 'rmsprop', or an optimizer object from `optimizers.*`. */
  optimizer: string | { readonly name: string; readonly [option: string]: unknown };
  /** 'sparseCategoricalCrossentropy' | 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError' (or Keras' snake_case). */
  loss: string | { readonly name: string; readonly [option: string]: unknown };
  metrics?: readonly string[];
}
