/** Small CNNs covering conv2d's variants, with non-zero biases, shared by the conv2d tests. */
import { Random } from '../../src/frontend/random.js';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';

export interface ConvCase {
  readonly name: string;
  readonly make: () => LayersModel;
}

/** Gives every bias seeded values in [-0.5, 0.5), so the epilogue's bias is exercised. */
export function withBiases(model: LayersModel): LayersModel {
  const rng = new Random(3);
  for (const layer of model.layers) for (const w of layer.weights) if (w.name.endsWith('/bias')) w.data = Float32Array.from(w.data, () => rng.uniform(-0.5, 0.5));
  return model;
}

const conv = (args: Parameters<typeof layers.conv2d>[0]) => layers.conv2d(args);

export const CONV_CASES: readonly ConvCase[] = [
  { name: '3x3 stride 1 valid, bias, relu', make: () => sequential({ layers: [conv({ filters: 5, kernelSize: 3, activation: 'relu', inputShape: [9, 8, 3] })] }) },
  { name: '3x3 stride 2 same, no bias', make: () => sequential({ layers: [conv({ filters: 9, kernelSize: 3, strides: 2, padding: 'same', useBias: false, inputShape: [9, 8, 3] })] }) },
  { name: '3x3 dilation 2 same, bias', make: () => sequential({ layers: [conv({ filters: 4, kernelSize: 3, dilationRate: 2, padding: 'same', inputShape: [7, 7, 2] })] }) },
  { name: '2x3 strides [2, 1] valid, tanh', make: () => sequential({ layers: [conv({ filters: 3, kernelSize: [2, 3], strides: [2, 1], activation: 'tanh', inputShape: [6, 7, 4] })] }) },
  { name: '1x1 pointwise, bias, relu', make: () => sequential({ layers: [conv({ filters: 6, kernelSize: 1, activation: 'relu', inputShape: [5, 4, 8] })] }) },
  // One input channel, k = 9: the small-k GEMM (weights in registers), with a tail of 3 output channels.
  { name: '3x3 one channel stride 2 valid, relu, 7 filters', make: () => sequential({ layers: [conv({ filters: 7, kernelSize: 3, strides: 2, activation: 'relu', inputShape: [11, 10, 1] })] }) },
  {
    // The small-k GEMM with a residual of one lane: x + conv(x), 1 filter.
    name: 'residual on one channel: x + conv(x), same',
    make: () => {
      const x = input({ shape: [6, 5, 1] });
      return model({ inputs: x, outputs: layers.add().apply([conv({ filters: 1, kernelSize: 3, padding: 'same' }).apply(x), x]) });
    },
  },
  {
    name: 'Fashion-MNIST-like CNN head',
    make: () =>
      sequential({
        layers: [
          conv({ filters: 8, kernelSize: 3, activation: 'relu', inputShape: [12, 12, 1] }),
          conv({ filters: 12, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu' }),
          layers.flatten(),
          layers.dense({ units: 10, activation: 'softmax' }),
        ],
      }),
  },
  {
    // The fuse pass folds the add into the second conv's epilogue as its residual.
    name: 'residual block: x + conv(relu(conv(x))), same',
    make: () => {
      const x = input({ shape: [7, 6, 4] });
      const h = conv({ filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
      const y = conv({ filters: 4, kernelSize: 3, padding: 'same' }).apply(h);
      return model({ inputs: x, outputs: layers.add().apply([y, x]) });
    },
  },
].map((c) => ({ name: c.name, make: () => withBiases(c.make()) }));

/** A conv2d case whose every conv2d the wasm kernel runs as Winograd's F(scheme x scheme, 3x3) (conv2d-winograd.ts). */
export interface WinogradCase extends ConvCase {
  readonly scheme: 2 | 4;
}

/**
 * 3x3 stride-1 convs with at least 8 input channels and filters in whole vectors (fitsWinograd),
 * each on an output size chooseScheme gives the named scheme for a bundle's batch of any size.
 */
export const WINOGRAD_CASES: readonly WinogradCase[] = [
  {
    // Two 6x5 'same' convs over 8 channels (6x5 tiles: F(2x2)), the second with the residual in its epilogue.
    name: 'Winograd F(2x2): residual block x + conv(relu(conv(x))), same, 8 channels, 6x5',
    scheme: 2 as const,
    make: () => {
      const x = input({ shape: [6, 5, 8] });
      const h = conv({ filters: 8, kernelSize: 3, padding: 'same', activation: 'relu' }).apply(x);
      const y = conv({ filters: 8, kernelSize: 3, padding: 'same' }).apply(h);
      return model({ inputs: x, outputs: layers.add().apply([y, x]) });
    },
  },
  {
    // 9x8x12 valid: a 7x6 output (odd tiles hanging over both edges), 12 channels into 8.
    name: 'Winograd F(4x4): 3x3 valid, 12 channels into 8, tanh, 9x8 -> 7x6',
    scheme: 4 as const,
    make: () => sequential({ layers: [conv({ filters: 8, kernelSize: 3, activation: 'tanh', inputShape: [9, 8, 12] })] }),
  },
].map((c) => ({ name: c.name, scheme: c.scheme, make: () => withBiases(c.make()) }));
