/**
 * What the two tfjs runners share: loading the tfjs Layers artifact (model.json + weights.bin, as
 * a user of tfjs ships it) and predicting through `model.predict`, the call tfjs users make.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchContext, Session, ShippedFiles } from './types.js';

type TfCore = typeof import('@tensorflow/tfjs-core');
type TfLayers = typeof import('@tensorflow/tfjs-layers');

/**
 * The Layers model of `ctx` on the backend the caller has selected. GPU backends read results
 * back with `await data()`, as their users must (a blocking read stalls a GPU pipeline).
 */
export async function openTfjsLayers(ctx: BenchContext, tf: TfCore, tfl: TfLayers, options: { asyncRead?: boolean } = {}): Promise<Session> {
  tf.enableProdMode(); // as a deployed app would: fewer run-time checks
  const json = JSON.parse(readFileSync(join(ctx.tfjsDir, 'model.json'), 'utf8')) as import('@tensorflow/tfjs-core').io.ModelJSON;
  const bin = readFileSync(join(ctx.tfjsDir, 'weights.bin'));
  const weightData = bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength);
  const model = await tfl.loadLayersModel(
    tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData }),
  );
  const rowShape = [...ctx.rowShape];
  return {
    predict(x, batch) {
      const input = tf.tensor(x, [batch, ...rowShape]);
      const y = model.predict(input, { batchSize: batch }) as import('@tensorflow/tfjs-core').Tensor;
      const done = (out: unknown) => {
        tf.dispose([input, y]);
        return out as Float32Array;
      };
      return options.asyncRead ? y.data().then(done) : done(y.dataSync());
    },
    dispose: () => void model.dispose(),
  };
}

/** tfjs-core + tfjs-layers + one backend, as the minified ES bundles (*.fesm.min.js) a web app ships. */
export function tfjsShipped(ctx: BenchContext, backendFiles: readonly string[], backendNote: string): ShippedFiles {
  const tfjs = (pkg: string, file: string) => join(ctx.root, 'node_modules/@tensorflow', pkg, 'dist', file);
  return {
    code: [tfjs('tfjs-core', 'tf-core.fesm.min.js'), tfjs('tfjs-layers', 'tf-layers.fesm.min.js'), ...backendFiles.map((f) => tfjs(f.split('/')[0]!, f.split('/')[1]!))],
    weights: [join(ctx.tfjsDir, 'model.json'), join(ctx.tfjsDir, 'weights.bin')],
    note: `tf-core + tf-layers + ${backendNote}; weights = model.json + weights.bin`,
  };
}
