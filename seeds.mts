import { loadModelFile } from './src/frontend/loader.js';
import { Trainer } from './src/train/trainer.js';
import { loadFashionMnist } from './src/train/data/fashion-mnist.js';
const mod = process.argv[2] === 'old' ? await import('./src/train/compiled/index.js') : await import('./src/train/wasm-executor.js');
const executor = (mod as any).compiledExecutor ?? (mod as any).wasmExecutor;
const data = await loadFashionMnist({ log: () => {} });
for (const seed of [1, 2, 3, 42]) {
  const { setInitializerSeed } = await import('./src/frontend/random.js');
  setInitializerSeed(seed);
  const { model } = loadModelFile('examples/fashion-mnist/model.ts', { typeCheck: false });
  const t = new Trainer(model.toGraph(), model.trainingConfig!, { executor, seed });
  await t.prepare(60000, 32, [10000], 500);
  t.fit(data.train, { epochs: 5, batchSize: 32 });
  console.log(process.argv[2], 'seed', seed, t.evaluate(data.test, 500)[1]!.toFixed(4));
}
