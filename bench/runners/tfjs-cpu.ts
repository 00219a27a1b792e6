import type { Runner } from './types.js';
import { openTfjsLayers, tfjsShipped } from './tfjs-common.js';

/** @tensorflow/tfjs with its plain-JavaScript cpu backend. */
const runner: Runner = {
  name: 'tfjs-cpu',
  description: '@tensorflow/tfjs 4.22, cpu backend, LayersModel.predict',
  async open(ctx) {
    const tf = await import('@tensorflow/tfjs-core');
    const tfl = await import('@tensorflow/tfjs-layers');
    await import('@tensorflow/tfjs-backend-cpu');
    await tf.setBackend('cpu');
    return openTfjsLayers(ctx, tf, tfl);
  },
  shipped: (ctx) => tfjsShipped(ctx, ['tfjs-backend-cpu/tf-backend-cpu.fesm.min.js'], 'tf-backend-cpu (*.fesm.min.js)'),
};

export default runner;
