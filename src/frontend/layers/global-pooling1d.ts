import { GlobalPooling, type GlobalPooling2DArgs } from './global-pooling.js';

export type GlobalPooling1DArgs = GlobalPooling2DArgs;

/** The mean of each channel over the steps, as Keras GlobalAveragePooling1D. */
export class GlobalAveragePooling1D extends GlobalPooling {
  readonly className = 'GlobalAveragePooling1D';
  protected readonly op = 'reduce_mean';

  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, 'GlobalAveragePooling1D', 'global_average_pooling1d', 1);
  }
}

/** The largest value of each channel over the steps, as Keras GlobalMaxPooling1D. */
export class GlobalMaxPooling1D extends GlobalPooling {
  readonly className = 'GlobalMaxPooling1D';
  protected readonly op = 'reduce_max';

  constructor(args: GlobalPooling1DArgs = {}) {
    super(args, 'GlobalMaxPooling1D', 'global_max_pooling1d', 1);
  }
}
