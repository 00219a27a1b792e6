import { beforeAll, describe, expect, it } from 'vitest';
import { loadModelFile } from '../../src/frontend/loader.js';
import { fitForBuild, fitIfRequested } from '../../src/train/fit-from-model-file.js';
import { loadWasmBackend } from '../../src/train/wasm-executor.js';

const MODEL = 'examples/fashion-mnist/model.ts';

describe('training from a model file', () => {
  beforeAll(() => loadWasmBackend());

  it('fits the example on Fashion-MNIST, reports test metrics and writes the weights back', async () => {
    const loaded = loadModelFile(MODEL, { typeCheck: false });
    const before = loaded.model.toGraph().weights.get('dense/kernel')!.slice();
    const exports = { ...loaded.exports, training: { ...(loaded.exports.training as object), trainExamples: 3000 } };
    let text = '';
    const result = await fitIfRequested({ ...loaded, exports }, { epochs: 1, sink: { isTTY: false, write: (t) => (text += t) } });
    expect(result!.test![1]).toBeGreaterThan(0.7);
    expect(text).toMatch(/^Epoch 1\/1\n94\/94 \[={30}\] - .* - loss: \d\.\d{4} - accuracy: \d\.\d{4}\nfit: 1 epoch in \d+\.\d\d s\ntest loss: \d\.\d{4} - test accuracy: \d\.\d{4}\n$/m);
    const after = loaded.model.toGraph().weights.get('dense/kernel')!;
    expect(after).not.toEqual(before);
  });

  it('leaves the model alone without a recipe or with --no-train', async () => {
    const loaded = loadModelFile(MODEL, { typeCheck: false });
    const io = { out: () => {}, err: () => {}, isTTY: false };
    const graph = loaded.model.toGraph();
    expect((await fitForBuild({ ...loaded, graph }, { train: false }, io)).graph).toBe(graph);
    expect((await fitForBuild({ ...loaded, graph, exports: {} }, { train: true }, io)).graph).toBe(graph);
    const { model: _m, ...graphOnly } = { ...loaded, graph };
    expect((await fitForBuild(graphOnly, { train: true }, io)).graph).toBe(graph);
  });

  it('rejects malformed recipes', async () => {
    const loaded = loadModelFile(MODEL, { typeCheck: false });
    const sink = { isTTY: false, write: () => {} };
    await expect(fitIfRequested({ ...loaded, exports: { training: { dataset: 'mnist' } } }, { sink })).rejects.toThrow(/NNC5005.*unknown dataset 'mnist'/);
    await expect(fitIfRequested({ ...loaded, exports: { training: { dataset: 'fashion-mnist', epoch: 3 } } }, { sink })).rejects.toThrow(/unknown training option\(s\): epoch/);
  });
});
