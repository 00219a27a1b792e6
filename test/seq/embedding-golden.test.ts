/**
 * Embedding against tfjs (cpu backend) with the same weights and the same int32 token ids,
 * through the reference interpreter and the wasm bundle (SIMD and scalar) at batch 1, 7 and 64:
 * alone (a pure lookup: exact), and feeding GRU / LSTM / Dense (tolerance 1e-5 of the output's
 * scale, f32 sums in another order). WebGPU computes f32 only, so it refuses an int32 graph by name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { layers } from '../../src/frontend/layers/index.js';
import { input } from '../../src/frontend/layers/input-layer.js';
import { model, type LayersModel } from '../../src/frontend/model.js';
import { sequential } from '../../src/frontend/sequential.js';
import { interpret } from '../../src/ir/interpreter.js';
import { typedTensor } from '../../src/ir/tensor.js';
import { Random } from '../../src/frontend/random.js';
import { expectClose } from '../helpers/model-golden.js';
import { tfjsPredict, tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWebGpuBundle } from '../helpers/webgpu.js';
import { buildWasmBundle } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

const BATCHES = [1, 7, 64];

/** Functional: an int32 input of `steps` ids through the layers. */
const ids = (steps: number[], ...stack: ReturnType<typeof layers.embedding | typeof layers.gru | typeof layers.dense>[]) => (): LayersModel => {
  const x = input({ shape: steps, dtype: 'int32' });
  return model({ inputs: x, outputs: stack.reduce((t, l) => l.apply(t), x) });
};

const CASES: readonly { name: string; vocab: number; make: () => LayersModel }[] = [
  { name: 'embedding 20 x 4 over 6 ids (exact lookup)', vocab: 20, make: ids([6], layers.embedding({ inputDim: 20, outputDim: 4 })) },
  { name: 'embedding over [3, 2] ids per example', vocab: 9, make: ids([3, 2], layers.embedding({ inputDim: 9, outputDim: 5 })) },
  { name: 'embedding -> gru -> dense softmax', vocab: 30, make: ids([7], layers.embedding({ inputDim: 30, outputDim: 6 }), layers.gru({ units: 5 }), layers.dense({ units: 3, activation: 'softmax' })) },
  {
    name: 'sequential: embedding inputLength 5 -> lstm returnSequences -> dense',
    vocab: 12,
    make: () => sequential({ layers: [layers.embedding({ inputDim: 12, outputDim: 3, inputLength: 5 }), layers.lstm({ units: 4, returnSequences: true }), layers.dense({ units: 2 })] }),
  },
];

/** Seeded token ids in [0, vocab) for `batch` examples of the model's one input. */
function tokenIds(m: LayersModel, vocab: number, batch: number): Int32Array {
  const rng = new Random(batch + vocab);
  const size = batch * (m.inputs[0]!.shape.slice(1) as number[]).reduce((a, d) => a * d, 1);
  return Int32Array.from({ length: size }, () => rng.int(vocab));
}

/** The bundle's predict, typed for int32 ids (model.d.ts declares Int32Array for an int32 input). */
type IdModel = { predict(x: Int32Array, batch?: number): Float32Array; readonly simd: boolean };

describe.each(CASES)('embedding vs tfjs: $name', ({ vocab, make }) => {
  beforeAll(() => tfjsReady());
  afterAll(removeTempDirs);
  const m = make();
  const graph = m.toGraph();
  const name = m.outputNames[0]!;
  const inputName = graph.inputs[0]!.name!;

  it('takes an int32 input', () => {
    expect(graph.inputs[0]!.type.dtype).toBe('i32');
  });

  it('the interpreter, and the wasm bundle (SIMD and scalar), equal tfjs', async () => {
    const { load } = await (await buildWasmBundle(graph)).import();
    const builds = [(await load()) as unknown as IdModel, (await load({ simd: false })) as unknown as IdModel];
    for (const batch of BATCHES) {
      const x = tokenIds(m, vocab, batch);
      const want = (await tfjsPredict(m, { [inputName]: x }, batch))[name]!;
      const shape = [batch, ...(m.inputs[0]!.shape.slice(1) as number[])];
      expectClose(interpret(graph, { [inputName]: typedTensor(shape, 'i32', x) })[name]!.data, want, `interpreter, batch ${batch}`);
      for (const build of builds) expectClose(build.predict(x, batch), want, `wasm ${build.simd ? 'simd' : 'scalar'}, batch ${batch}`);
    }
    // An id outside [0, inputDim) is refused before the kernels run (they would read zeros for it), as tfjs' cpu backend refuses it.
    const bad = tokenIds(m, vocab, 2);
    bad[3] = vocab;
    for (const build of builds) expect(() => build.predict(bad, 2)).toThrow(new RegExp(`holds the id ${vocab} at element 3, outside \\[0, ${vocab}\\)`));
  });

  it('the WebGPU target refuses the int32 graph by name', async () => {
    await expect(buildWebGpuBundle(graph)).rejects.toThrow(/NNC4001.*webgpu supports f32 values only/s);
  });
});
