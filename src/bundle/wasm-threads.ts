import type { BundleFile } from './target.js';
import { COMPILER_VERSION } from '../version.js';
import { CHECK_INPUTS, CHECK_LOAD_OPTIONS, ioTables, wasmRuntime, type WasmRuntimeSpec } from './wasm-runtime.js';

/** The extra files of a `--threads N` bundle; model.js becomes the pool in front of them. */
export const THREAD_FILES = { core: 'model.core.js', worker: 'model.worker.js' } as const;

/** Default for `load({ minRowsPerWorker })`: below two workers' worth a batch stays on the calling thread. */
export const MIN_ROWS_PER_WORKER = 64;

/**
 * The `--threads N` loader. Design: a pool of N workers, each with its own instance of the
 * unchanged single-threaded module (model.core.js); predict splits the batch into row ranges,
 * posts each to a worker with its input copy transferred, and gathers the outputs. Not wasm
 * threads on one shared memory: that needs SharedArrayBuffer, so pages would have to be
 * cross-origin isolated (COOP/COEP), and every model's module a shared-memory variant. The price
 * is one copy of the weights per worker and each row range copied in and out (some CPU time more
 * in all, less wall time once a batch is large). Browsers need module workers (`type: 'module'`),
 * nothing else.
 */
export function threadedFiles(spec: WasmRuntimeSpec, threads: number): BundleFile[] {
  return [
    { path: 'model.js', contents: front(spec, threads) },
    { path: THREAD_FILES.core, contents: wasmRuntime(spec) },
    { path: THREAD_FILES.worker, contents: WORKER },
  ];
}

function front(spec: WasmRuntimeSpec, threads: number): string {
  return [
    `// Compiled by nnc ${COMPILER_VERSION} for WebAssembly, ${threads} worker threads. Imports only the files beside it.`,
    '// Each worker runs its own instance of model.core.js (the single-threaded loader) on a range of rows.',
    `import { load as loadHere } from './${THREAD_FILES.core}';`,
    ...ioTables(spec),
    `const THREADS = ${threads};`,
    '',
    CHECK_INPUTS,
    CHECK_LOAD_OPTIONS,
    POOL,
  ].join('\n');
}

const POOL = `/** A worker running model.worker.js: Web Worker where there is one (browsers, Deno, Bun), else node:worker_threads. */
async function spawn(onMessage, onError) {
  if (typeof Worker === 'function') {
    const worker = new Worker(new URL('./${THREAD_FILES.worker}', import.meta.url), { type: 'module' });
    worker.onmessage = (e) => onMessage(e.data);
    worker.onerror = (e) => onError(new Error(e.message ?? 'worker failed'));
    return { post: (m, t) => worker.postMessage(m, t), hold() {}, release() {}, terminate: () => worker.terminate() };
  }
  const { Worker: NodeWorker } = await import(/* webpackIgnore: true */ 'node:worker_threads');
  const worker = new NodeWorker(new URL('./${THREAD_FILES.worker}', import.meta.url));
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', (code) => onError(new Error(\`worker exited (code \${code})\`)));
  // Idle workers must not keep a Node process alive; busy ones must, or \`await predict()\` could end it.
  return { post: (m, t) => worker.postMessage(m, t), hold: () => worker.ref(), release: () => worker.unref(), terminate: () => worker.terminate() };
}

/** One worker and the replies it owes, in order (a worker answers its messages one by one). */
async function startWorker(options) {
  const waiting = [];
  let broken = null, greet, refuse;
  // The worker says hello once it listens, so nothing is posted before its listener exists.
  const greeted = new Promise((resolve, reject) => ((greet = resolve), (refuse = reject)));
  const settle = (reply) => {
    // A reply may still arrive after terminate() rejected everything waiting: nothing to settle.
    const waiter = waiting.shift();
    if (!waiter) return;
    reply.error ? waiter.reject(new Error(\`worker: \${reply.error}\`)) : waiter.resolve(reply);
  };
  const breakDown = (error) => {
    if (broken) return;
    broken = error;
    refuse(error);
    for (const { reject } of waiting.splice(0)) reject(error);
  };
  const worker = await spawn((reply) => (reply.hello ? greet() : settle(reply)), breakDown);
  const ask = (message, transfer = []) => {
    if (broken) return Promise.reject(broken);
    worker.hold();
    return new Promise((resolve, reject) => {
      waiting.push({ resolve, reject });
      worker.post(message, transfer);
    }).finally(() => waiting.length || worker.release());
  };
  const terminate = () => {
    breakDown(new Error('the model was disposed'));
    worker.terminate();
  };
  try {
    await greeted;
    const { simd, relaxed } = await ask({ init: options });
    return { ask, simd, relaxed, terminate };
  } catch (e) {
    terminate();
    throw e;
  }
}

/**
 * Loads the model on THREADS workers (and on the calling thread, for small batches). predict is
 * async; dispose() terminates the workers.
 */
export async function load(options) {
  const { minRowsPerWorker = ${MIN_ROWS_PER_WORKER}, simd, relaxed, verify } = checkLoadOptions(options, { simd: 'boolean', relaxed: 'boolean', verify: 'boolean', minRowsPerWorker: 'number' });
  if (!Number.isSafeInteger(minRowsPerWorker) || minRowsPerWorker < 1)
    throw new RangeError(\`minRowsPerWorker must be a positive integer, got \${minRowsPerWorker}\`);
  const here = await loadHere({ simd, relaxed, verify });
  // Each worker reads the files itself, so each checks them when asked to; each runs the build this thread chose.
  const started = await Promise.allSettled(Array.from({ length: THREADS }, () => startWorker({ simd: here.simd, relaxed: here.relaxed, verify })));
  const workers = started.filter((s) => s.status === 'fulfilled').map((s) => s.value);
  const failed = started.find((s) => s.status === 'rejected');
  if (failed) {
    workers.forEach((w) => w.terminate());
    throw failed.reason;
  }
  let disposed = false;
  async function predict(input, batch) {
    if (disposed) throw new Error('predict after dispose(): the workers are terminated');
    const [arrays, rows] = check(input, batch);
    const parts = Math.min(THREADS, Math.floor(rows / minRowsPerWorker));
    if (parts < 2) return here.predict(input, rows);
    const outputs = OUTPUTS.map(([, size, , , type = Float32Array]) => new type(rows * size));
    await Promise.all(
      workers.slice(0, parts).map(async (worker, i) => {
        const [from, to] = [Math.floor((i * rows) / parts), Math.floor(((i + 1) * rows) / parts)];
        const slices = INPUTS.map(([, size], j) => arrays[j].slice(from * size, to * size));
        const reply = await worker.ask({ inputs: slices, rows: to - from }, slices.map((s) => s.buffer));
        OUTPUTS.forEach(([, size], j) => outputs[j].set(reply.outputs[j], from * size));
      }),
    );
    return OUTPUTS.length === 1 ? outputs[0] : Object.fromEntries(OUTPUTS.map(([name], i) => [name, outputs[i]]));
  }
  function dispose() {
    disposed = true;
    workers.forEach((w) => w.terminate());
  }
  const names = (list) => Object.freeze(list.map(([name]) => name));
  return { predict, dispose, inputNames: names(INPUTS), outputNames: names(OUTPUTS), simd: here.simd, relaxed: here.relaxed, threads: THREADS };
}
`;

const WORKER = `// One worker of the threaded bundle (see model.js): runs model.core.js on the rows it is sent.
import { load } from './${THREAD_FILES.core}';

const port = typeof self === 'undefined' ? (await import(/* webpackIgnore: true */ 'node:worker_threads')).parentPort : self;
const reply = (message, transfer) => port.postMessage(message, transfer);
let model;

async function handle({ init, inputs, rows }) {
  try {
    if (init) {
      model = await load(init);
      return reply({ simd: model.simd, relaxed: model.relaxed });
    }
    const { inputNames, outputNames } = model;
    const y = model.predict(inputNames.length === 1 ? inputs[0] : Object.fromEntries(inputNames.map((n, i) => [n, inputs[i]])), rows);
    const outputs = outputNames.length === 1 ? [y] : outputNames.map((n) => y[n]);
    reply({ outputs }, outputs.map((o) => o.buffer));
  } catch (e) {
    reply({ error: e?.message ?? String(e) });
  }
}

if ('on' in port) port.on('message', handle);
else port.onmessage = (e) => handle(e.data);
reply({ hello: true });
`;
