import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Saves a tfjs Layers model the way tfjs' file IO does: model.json + one weight shard, in a fresh
 * temp dir. `J` types the model.json a test goes on to read or edit.
 */
export async function saveTfjsModel<J = Record<string, unknown>>(model: tf.LayersModel, prefix = 'nnc-tfjs-'): Promise<{ dir: string; json: J }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let json: Record<string, unknown> = {};
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      json = { modelTopology: artifacts.modelTopology, weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs }] };
      writeFileSync(join(dir, 'weights.bin'), new Uint8Array(artifacts.weightData as ArrayBuffer));
      writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  return { dir, json: json as J };
}
