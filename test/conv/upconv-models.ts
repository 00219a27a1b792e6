/** Small models covering conv2dTranspose's and the up-sampling layers' variants, with non-zero biases. */
import { Random } from '../../src/frontend/random.js';
import { layers } from '../../src/frontend/layers/index.js';
import type { Layer } from '../../src/frontend/layer.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import type { ConvCase } from './conv2d-models.js';

/** Gives every bias seeded values in [-0.5, 0.5), so the bias add is exercised. */
function withBiases(model: LayersModel): LayersModel {
  const rng = new Random(5);
  for (const layer of model.layers) for (const w of layer.weights) if (w.name.endsWith('/bias')) w.data = Float32Array.from(w.data, () => rng.uniform(-0.5, 0.5));
  return model;
}

const deconv = (args: Parameters<typeof layers.conv2dTranspose>[0]) => layers.conv2dTranspose(args);
/** A model of one layer, made afresh on each call. */
const one = (layer: () => Layer) => () => sequential({ layers: [layer()] });

export const UPCONV_CASES: readonly ConvCase[] = [
  { name: 'conv2dTranspose 3x3 stride 1 valid, bias, relu', make: one(() => deconv({ filters: 5, kernelSize: 3, activation: 'relu', inputShape: [5, 4, 3] })) },
  { name: 'conv2dTranspose 3x3 stride 2 same, no bias', make: one(() => deconv({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', useBias: false, inputShape: [4, 5, 3] })) },
  { name: 'conv2dTranspose 4x4 stride 2 valid, tanh', make: one(() => deconv({ filters: 3, kernelSize: 4, strides: 2, activation: 'tanh', inputShape: [3, 4, 2] })) },
  { name: 'conv2dTranspose 1x3 strides [3, 1] valid (kernel < stride)', make: one(() => deconv({ filters: 4, kernelSize: [1, 3], strides: [3, 1], inputShape: [3, 3, 5] })) },
  { name: 'conv2dTranspose 2x2 stride 2 same, sigmoid', make: one(() => deconv({ filters: 7, kernelSize: 2, strides: 2, padding: 'same', activation: 'sigmoid', inputShape: [3, 3, 4] })) },
  { name: 'upSampling2d nearest (default [2, 2])', make: one(() => layers.upSampling2d({ inputShape: [3, 4, 6] })) },
  { name: 'upSampling2d nearest [3, 2], 5 channels', make: one(() => layers.upSampling2d({ size: [3, 2], inputShape: [4, 3, 5] })) },
  { name: 'upSampling2d bilinear [2, 2]', make: one(() => layers.upSampling2d({ interpolation: 'bilinear', inputShape: [3, 4, 6] })) },
  { name: 'upSampling2d bilinear [3, 2], 5 channels', make: one(() => layers.upSampling2d({ size: [3, 2], interpolation: 'bilinear', inputShape: [4, 3, 5] })) },
  { name: 'upSampling1d size 3', make: one(() => layers.upSampling1d({ size: 3, inputShape: [5, 7] })) },
  {
    name: 'decoder: conv2d, upSampling2d bilinear, conv2dTranspose stride 2, dense',
    make: () =>
      sequential({
        layers: [
          layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', inputShape: [4, 4, 2] }),
          layers.upSampling2d({ interpolation: 'bilinear' }),
          deconv({ filters: 3, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
          layers.flatten(),
          layers.dense({ units: 5 }),
        ],
      }),
  },
].map((c) => ({ name: c.name, make: () => withBiases(c.make()) }));
