import { join } from 'node:path';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { input, layers, model, sequential, type LayersModel } from '../../src/frontend/index.js';
import { mutateBytes } from '../byte-mutators.js';
import type { FuzzTarget } from '../harness.js';
import { mutateJson, type Json } from '../json-mutators.js';
import { lowerAndCheck, scratchDir } from './shared.js';

/** Seeds: an MLP, a Functional model with merges, a small CNN, saved as tfjs-layers writes them. */
function seedModels(): LayersModel[] {
  const mlp = sequential({ layers: [layers.flatten({ inputShape: [4, 4] }), layers.dense({ units: 8, activation: 'relu' }), layers.dropout({ rate: 0.2 }), layers.dense({ units: 3, activation: 'softmax' })] });
  const x = input({ shape: [6] });
  const a = layers.dense({ units: 4, activation: 'tanh' }).apply(x);
  const b = layers.dense({ units: 4 }).apply(x);
  const merged = layers.concatenate().apply([layers.add().apply([a, b]), layers.multiply().apply([a, b])]);
  const functional = model({ inputs: x, outputs: layers.dense({ units: 2, activation: 'sigmoid' }).apply(merged) });
  const cnn = sequential({
    layers: [
      layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 3, activation: 'relu' }),
      layers.maxPooling2d({ poolSize: 2 }),
      layers.zeroPadding2d({ padding: 1 }),
      layers.averagePooling2d({ poolSize: 2, strides: 1 }),
      layers.reshape({ targetShape: [32] }),
      layers.dense({ units: 3 }),
    ],
  });
  return [mlp, functional, cnn];
}

/** tfjs Layers model.json + weights.bin, mutated in their structure (and the shard's bytes). */
export const tfjsLayersTarget: FuzzTarget = {
  name: 'tfjs-layers',
  async prepare() {
    const seeds = seedModels().map(toTfjsArtifacts);
    const jsons = seeds.map((s) => s.modelJson as Json);
    const scratch = scratchDir('tfjs-layers');
    return (rng) => {
      const seed = rng.pick(seeds);
      const which = rng.int(10);
      const json = which < 8 ? mutateJson(rng, seed.modelJson as Json, jsons) : seed.modelJson;
      const bin = which >= 7 ? mutateBytes(rng, seed.weightsBin) : seed.weightsBin;
      const files = { 'model.json': JSON.stringify(json), 'weights.bin': bin };
      return {
        files,
        run() {
          scratch.write(files);
          lowerAndCheck(loadTfjsLayersModel(join(scratch.dir, 'model.json')).toGraph());
        },
      };
    };
  },
};
