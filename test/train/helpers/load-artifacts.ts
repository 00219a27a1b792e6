import * as tf from '@tensorflow/tfjs';

/** Loads tfjs Layers artifacts (model.json content + weights.bin bytes) with tf.loadLayersModel. */
export async function loadArtifacts(modelJson: Record<string, unknown>, weightsBin: Uint8Array): Promise<tf.LayersModel> {
  const manifest = modelJson.weightsManifest as { weights: tf.io.WeightsManifestEntry[] }[];
  const weightData = weightsBin.buffer.slice(weightsBin.byteOffset, weightsBin.byteOffset + weightsBin.byteLength) as ArrayBuffer;
  return tf.loadLayersModel(
    tf.io.fromMemory({ modelTopology: modelJson.modelTopology as tf.io.ModelJSON['modelTopology'], weightSpecs: manifest.flatMap((m) => m.weights), weightData }),
  );
}
