/**
 * Sequences of any length as a model author, an importer and an application meet them: the step
 * graph's IR (its `loop` lines, round trip, verifier), the loop against the unrolled graph, the
 * layers and forms one loop cannot run (refused by name), the bundle's signature (model.d.ts,
 * manifest.json) and predict's checks, a model tfjs saved with [null, null, F] inputs, training on
 * data of one length and predicting at others, and `nnc build` / `nnc predict` on a model file.
 * The layer-by-layer goldens against tfjs are in unknown-length-golden.test.ts.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wasmTarget } from '../../src/bundle/wasm-target.js';
import { toTfjsArtifacts } from '../../src/frontend/export-tfjs.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import type { LayersModel } from '../../src/frontend/model.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { compileBundle, input, layers, model, sequential } from '../../src/index.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { printGraph } from '../../src/ir/printer.js';
import { tensor } from '../../src/ir/tensor.js';
import { runTimeLoop } from '../../src/ir/time-loop.js';
import { verifyGraph } from '../../src/ir/verifier.js';
import { optimize } from '../../src/passes/index.js';
import { cli } from '../helpers/cli.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { maxAbsDiff } from '../helpers/random-inputs.js';
import { saveTfjsModel } from '../helpers/save-tfjs.js';
import { tfjsPredict, tfjsReady } from '../helpers/tfjs-twin.js';
import { buildWasmBundle } from '../wasm/bundle-helpers.js';
import { removeTempDirs } from '../wasm/temp.js';

beforeAll(() => tfjsReady());
afterAll(() => removeTempDirs());

/** predict of a bundle compiled from one step of a time loop. */
interface LoopModel {
  predict(inputs: Float32Array | Int32Array | Record<string, Float32Array>, steps: unknown, batch?: number): Float32Array | Record<string, Float32Array>;
}

/** Masking, an LSTM given initial states from inputs, and a per-step head: every kind of loop value. */
function decoder(): LayersModel {
  const x = input({ shape: [null, 3], name: 'x' });
  const h = input({ shape: [4], name: 'h' });
  const c = input({ shape: [4], name: 'c' });
  const masked = layers.masking().apply(x);
  const [sequence, hOut, cOut] = layers.lstm({ units: 4, returnSequences: true, returnState: true, name: 'cell' }).apply([masked, h, c]);
  return model({ inputs: [x, h, c], outputs: [layers.dense({ units: 2, name: 'head' }).apply(sequence!), hOut!, cOut!] });
}

const sin = (shape: number[], phase = 0) => tensor(shape, Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(0.7 * i + phase)));

describe('one step of a time loop in the IR', () => {
  it('prints its loop lines, reads them back, and verifies', () => {
    const step = decoder().toGraph();
    const text = printGraph(step);
    expect(text).toContain('%x = input : f32[?,1,3]');
    expect(text).toContain('%cell/state_0 = input : f32[?,4]');
    expect(text.split('\n').filter((l) => l.startsWith('loop '))).toEqual([
      'loop sequence "x"',
      'loop carry "cell/state_0" from "cell/state_0/initial"',
      'loop carry "cell/state_1" from "cell/state_1/initial"',
      'loop per_step "head"',
    ]);
    const parsed = parseGraph(text);
    expect(parsed.loop).toEqual(step.loop);
    expect(printGraph(parsed)).toBe(text);
    verifyGraph(step);
    // Every pass keeps the loop; the optimized graph prints it too.
    expect(optimize(step).loop).toEqual(step.loop);
  });

  it('the verifier refuses a loop whose names or shapes do not fit the graph', () => {
    const base = '%x = input : f32[?,1,3]\n%s = input : f32[?,3]\n%0 = add %x, %x : f32[?,1,3]\noutput "y" = %0\n';
    const problems: [string, RegExp][] = [
      ['loop sequence "nope"\n', /loop sequence 'nope' is not an input/],
      ['loop sequence "s"\n', /loop sequence 's' must have shape \[\?,1,...\]/],
      ['loop sequence "x"\nloop carry "s"\n', /loop carry 's' must be an input and an output/],
      ['loop sequence "x"\nloop per_step "z"\n', /loop per_step 'z' is not an output/],
      ['loop carry "x" from "y"\n', /a loop needs at least one sequence input|loop carry 'x' must be/],
      ['loop sequence "x"\nloop reversed "s" of "x"\n', /loop reversed 's' must be an input of shape \[\?,1,...\]/],
    ];
    for (const [lines, message] of problems) expect(catchNnc(() => verifyGraph(parseGraph(base + lines))).message).toMatch(message);
    expect(catchNnc(() => parseGraph(`${base}loop reversed "x"\n`)).message).toMatch(/expected `loop sequence/);
    expect(catchNnc(() => parseGraph(`${base}loop sequence "x" from "y"\n`)).message).toMatch(/NNC3001 IR parse error \(<ir>:5\): expected `loop sequence "name"`/);
  });

  it('a backward layer reads a twin of its sequence input that the host fills from the end', () => {
    const x = input({ shape: [null, 3], name: 'words' });
    const both = layers.bidirectional({ layer: layers.lstm({ units: 2 }), name: 'both' }).apply(layers.dense({ units: 4, name: 'embed' }).apply(x));
    const m = model({ inputs: x, outputs: both });
    const step = m.toGraph();
    expect(step.loop!.reversed).toEqual([{ name: 'words/reversed', of: 'words' }]);
    expect(printGraph(step)).toContain('loop reversed "words/reversed" of "words"');
    expect(parseGraph(printGraph(step)).loop).toEqual(step.loop);
    // The dense between the input and the layer runs once per direction, on shared weights.
    expect(step.nodes.filter((n) => n.op === 'matmul' && n.inputs[1]!.name === 'embed/kernel')).toHaveLength(2);
    for (const steps of [1, 6]) {
      const inputs = { words: sin([2, steps, 3]) };
      const want = interpret(m.toGraph({ steps }), inputs).both!;
      expect(Array.from(runTimeLoop(step, step.loop!, inputs).both!.data)).toEqual(Array.from(want.data));
    }
  });

  it('the loop computes what the graph unrolled over the same steps computes, bit for bit', () => {
    const m = decoder();
    const step = m.toGraph();
    for (const steps of [1, 2, 7]) {
      const inputs = { x: sin([3, steps, 3]), h: sin([3, 4], 1), c: sin([3, 4], 2) };
      // Step 1 of row 1 is padding: the masked step keeps the states.
      inputs.x.data.fill(0, (1 * steps + 0) * 3, (1 * steps + 1) * 3);
      const unrolled = interpret(m.toGraph({ steps }), inputs);
      const looped = runTimeLoop(step, step.loop!, inputs);
      expect(Object.keys(looped)).toEqual(['head', 'cell', 'cell_1']);
      for (const name of Object.keys(looped)) {
        expect(looped[name]!.shape).toEqual(unrolled[name]!.shape);
        expect(Array.from(looped[name]!.data)).toEqual(Array.from(unrolled[name]!.data));
      }
    }
  });

  it('the summary prints the unknown steps as Keras does: (None, None, 3)', () => {
    const text = decoder().summary(null);
    expect(text).toContain('[(None, None, 3)]');
    expect(text).toMatch(/cell \(LSTM\)\s+\[\(None, None, 4\),/);
  });
});

describe('what one time loop cannot run, refused by name', () => {
  const x = () => input({ shape: [null, 3] });
  it('layers that read across steps, a backward pass, and a second loop (NNC1006)', () => {
    const cases: [() => unknown, RegExp, RegExp][] = [
      [() => layers.flatten().apply(layers.lstm({ units: 2, returnSequences: true }).apply(x())), /flatten.*reads across the steps of its input \(None, None, 2\)/, /one step at a time/],
      [() => layers.conv1d({ filters: 2, kernelSize: 2 }).apply(x()), /reads across the steps/, /Give the number of steps/],
      [() => layers.globalAveragePooling1d().apply(x()), /reads across the steps/, /work step by step/],
      [() => layers.concatenate({ axis: 1 }).apply([x(), x()]), /reads across the steps/, /forward SimpleRNN/],
      [() => layers.bidirectional({ layer: layers.gru({ units: 2, returnSequences: true }) }).apply(x()), /bidirectional.*reads across the steps/, /Give the number of steps/],
      [
        () => {
          const source = x();
          const y = layers.lstm({ units: 2, returnSequences: true, name: 'first' }).apply(source);
          return model({ inputs: source, outputs: layers.gru({ units: 2, goBackwards: true }).apply(y) }).toGraph();
        },
        /first.*a layer reading backwards reads the sequence 'first' returns, whose last step exists only once the loop has run/,
        /must read the input sequence/,
      ],
      [
        () => {
          const source = x();
          const target = x();
          const [, h] = layers.gru({ units: 2, returnState: true }).apply(source);
          // Built and trained unrolled as Keras does; only compiling it to one loop is refused.
          return model({ inputs: [source, target], outputs: layers.gru({ units: 2 }).apply([target, h!]) }).toGraph();
        },
        /gru_\d+.*reads a sequence of unknown length step by step together with a value that exists only after a loop over a sequence \('gru_?\d*'\)/,
        /ONE loop.*Compile an encoder and a decoder as two models/,
      ],
      [() => input({ shape: [3, null as unknown as number] }), /input\(\) needs a shape of positive integers/, /only its first axis, the steps of a sequence, may be null/],
    ];
    for (const [make, message, hint] of cases) {
      const e = catchNnc(make);
      expect(e.code, String(message)).toBe('NNC1006');
      expect(e.message).toMatch(message);
      expect(e.hint).toMatch(hint);
    }
  });

  it('--threads (NNC4006) and the ONNX export (NNC4001)', async () => {
    const step = optimize(sequential({ layers: [layers.gru({ inputShape: [null, 3], units: 2 })] }).toGraph());
    await expect(wasmTarget.emit(step, { singleFile: false, weights: 'embedded', threads: 2 })).rejects.toThrow(/NNC4006 .*--threads 2 is not supported for a model whose sequences have any length/);
    expect(catchNnc(() => exportOnnx(step)).message).toMatch(/NNC4001 .*cannot export a model whose sequences have any length \(input 'gru_?\d*_input'\) to ONNX/);
  });
});

describe('the bundle of a model whose sequences have any length', () => {
  it('model.d.ts says predict takes the steps; manifest.json shows [null, null, ...]', async () => {
    const built = await buildWasmBundle(decoder().toGraph());
    const dts = readFileSync(join(built.dir, 'model.d.ts'), 'utf8');
    expect(dts).toContain('predict(inputs: Inputs, steps: number, batch?: number): Outputs;');
    expect(dts).toContain('/** float32 [batch, steps, 3], 3 values per step of each row. */');
    expect(dts).toContain('/** float32 [batch, steps, 2], 2 values per step of each row. */');
    expect(dts).toContain('@param steps number of steps of the sequences (a positive integer)');
    expect(dts).not.toContain('state_0');
    const manifest = JSON.parse(readFileSync(join(built.dir, 'manifest.json'), 'utf8'));
    expect(manifest.inputs[0]).toEqual({ name: 'x', dtype: 'float32', shape: [null, null, 3], valuesPerStep: 3 });
    expect(manifest.outputs.map((o: { name: string }) => o.name)).toEqual(['head', 'cell', 'cell_1']);
    expect(manifest.timeLoop).toEqual({ states: ['cell/state_0', 'cell/state_1'] });
  });

  it('predict refuses a bad number of steps or lengths that do not fit it, and infers the batch', async () => {
    const m = sequential({ layers: [layers.lstm({ inputShape: [null, 3], units: 2, name: 'reader' })] });
    const bundle = (await (await (await buildWasmBundle(m.toGraph())).import()).load()) as unknown as LoopModel;
    const x = new Float32Array(2 * 5 * 3);
    const rangeError = (f: () => unknown): string => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(RangeError);
        return (e as Error).message;
      }
      throw new Error('predict accepted it');
    };
    for (const bad of [0, -1, 2.5, '5', undefined])
      expect(rangeError(() => bundle.predict(x, bad))).toMatch(/^predict\(inputs, steps, batch\?\): steps, the length of the sequences, must be a positive integer, got/);
    expect(rangeError(() => bundle.predict(x, 4))).toBe('input "reader_input" holds 30 values, not a whole number of rows of 12');
    expect(rangeError(() => bundle.predict(x, 5, 3))).toBe('input "reader_input" must hold 3 × 15 = 45 values, got 30');
    expect(bundle.predict(x, 5)).toHaveLength(2 * 2);
    expect(bundle.predict(x, 1)).toHaveLength(10 * 2);
  });
});

describe("the README's model", () => {
  it('compiles as written, and its bundle predicts 5 steps as the graph unrolled over 5 steps does', async () => {
    const m = sequential({ layers: [
      layers.masking({ inputShape: [null, 81] }),
      layers.lstm({ units: 128, returnSequences: true }),
      layers.timeDistributed({ layer: layers.dense({ units: 81, activation: 'softmax' }) }),
    ]});
    const bundle = (await (await (await buildWasmBundle(m.toGraph())).import()).load()) as unknown as LoopModel;
    const x = sin([2, 5, 81]);
    const want = interpret(m.toGraph({ steps: 5 }), { [m.inputNames[0]!]: x })[m.outputNames[0]!]!;
    const got = bundle.predict(x.data as Float32Array, 5) as Float32Array;
    expect(got).toHaveLength(2 * 5 * 81);
    expect(maxAbsDiff(got, want.data)).toBeLessThanOrEqual(1e-6);
  });
});

describe('a tfjs model saved with inputs of any length', () => {
  it('imports, predicts as tfjs at 2 and 13 steps, and exports its [null, null, F] input back', async () => {
    const original = tf.sequential({ layers: [tf.layers.gru({ inputShape: [null, 4], units: 5, returnSequences: true }), tf.layers.lstm({ units: 3 }), tf.layers.dense({ units: 2, activation: 'softmax' })] });
    const { dir } = await saveTfjsModel(original);
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    expect(imported.hasUnknownSteps).toBe(true);
    const bundle = (await (await (await buildWasmBundle(imported.toGraph())).import()).load()) as unknown as LoopModel;
    for (const steps of [2, 13]) {
      const x = sin([6, steps, 4], steps);
      const want = (original.predict(tf.tensor(x.data, [6, steps, 4])) as tf.Tensor).dataSync();
      expect(maxAbsDiff(bundle.predict(x.data as Float32Array, steps) as Float32Array, want)).toBeLessThanOrEqual(1e-5);
    }
    const exported = toTfjsArtifacts(imported).modelJson as { modelTopology: { config: { layers: { config: { batch_input_shape?: unknown } }[] } } };
    expect(exported.modelTopology.config.layers[0]!.config.batch_input_shape).toEqual([null, null, 4]);
    original.dispose();
  });
});

describe('training on sequences of one length, predicting at others', () => {
  it('fit unrolls to the data’s steps; the bundle then equals tfjs with the trained weights at 3 and 10 steps', async () => {
    const m = sequential({ layers: [layers.embedding({ inputDim: 7, outputDim: 3, maskZero: true, inputShape: [null] }), layers.lstm({ units: 4 }), layers.dense({ units: 2, activation: 'softmax' })] });
    m.compile({ optimizer: { name: 'adam', learningRate: 0.05 }, loss: 'sparseCategoricalCrossentropy' });
    // Class 1 when id 1 appears before id 2 (ids 0 pad the end).
    const rows = Array.from({ length: 64 }, (_, i) => [3 + (i % 4), i % 2 ? 1 : 2, 5, i % 2 ? 2 : 1, 0, 0]);
    const x = { shape: [64, 6], data: rows.flat() };
    const y = { shape: [64], data: rows.map((r) => (r[1] === 1 ? 1 : 0)) };
    const history = await m.fit(x, y, { epochs: 12, batchSize: 16, verbose: 0 });
    const losses = history.history.loss!;
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]! / 2);
    await expect(m.fit({ shape: [1], data: [1] }, { shape: [1], data: [0] }, { verbose: 0 })).rejects.toThrow(/NNC5002 .*is a sequence of any length, but its data has shape \[1\]/);
    const out = join(mkdtempSync(join(tmpdir(), 'nnc-any-length-')), 'bundle');
    await compileBundle(m, { out });
    const bundle = (await (await import(/* @vite-ignore */ pathToFileURL(join(out, 'model.js')).href)).load()) as LoopModel;
    for (const steps of [3, 10]) {
      const ids = Int32Array.from({ length: 5 * steps }, (_, i) => (i * 5 + steps) % 7);
      const want = await tfjsPredict(m, { [m.inputNames[0]!]: ids }, 5, steps);
      expect(maxAbsDiff(bundle.predict(ids, steps) as Float32Array, want[m.outputNames[0]!]!)).toBeLessThanOrEqual(1e-5);
    }
  });
});

describe("an encoder-decoder as Keras' seq2seq example writes it", () => {
  it('trains as one model; its encoder and decoder compile to two loops whose chained bundles equal the trained model', async () => {
    const encoderInputs = input({ shape: [null, 4], name: 'encoder_inputs' });
    const [, h, c] = layers.lstm({ units: 6, returnState: true, name: 'encoder' }).apply(encoderInputs);
    const decoderInputs = input({ shape: [null, 5], name: 'decoder_inputs' });
    const decoder = layers.lstm({ units: 6, returnSequences: true, returnState: true, name: 'decoder' });
    const head = layers.dense({ units: 5, activation: 'softmax', name: 'head' });
    const training = model({ inputs: [encoderInputs, decoderInputs], outputs: head.apply(decoder.apply([decoderInputs, h!, c!])[0]!) });
    training.compile({ optimizer: 'adam', loss: 'mse' });
    const [source, target, targetNext] = [sin([8, 5, 4]), sin([8, 3, 5], 1), sin([8, 3, 5], 2)];
    const history = await training.fit([source, target], targetNext, { epochs: 3, batchSize: 4, verbose: 0 });
    expect(history.epoch).toEqual([0, 1, 2]);
    expect(catchNnc(() => training.toGraph()).hint).toMatch(/Compile an encoder and a decoder as two models/);
    // The inference models, from the trained layers (Keras: encoder_model, decoder_model).
    const encoderModel = model({ inputs: encoderInputs, outputs: [h!, c!] });
    const hIn = input({ shape: [6], name: 'h_in' });
    const cIn = input({ shape: [6], name: 'c_in' });
    const [sequence, hOut, cOut] = decoder.apply([decoderInputs, hIn, cIn]);
    const decoderModel = model({ inputs: [decoderInputs, hIn, cIn], outputs: [head.apply(sequence!), hOut!, cOut!] });
    const encoderBundle = (await (await (await buildWasmBundle(encoderModel.toGraph())).import()).load()) as unknown as LoopModel;
    const decoderBundle = (await (await (await buildWasmBundle(decoderModel.toGraph())).import()).load()) as unknown as LoopModel;
    const [x, y] = [sin([3, 7, 4], 3), sin([3, 2, 5], 4)];
    const states = encoderBundle.predict(x.data as Float32Array, 7) as Record<string, Float32Array>;
    const [hName, cName] = encoderModel.outputNames;
    const decoded = decoderBundle.predict({ decoder_inputs: y.data as Float32Array, h_in: states[hName!]!, c_in: states[cName!]! }, 2) as Record<string, Float32Array>;
    const want = interpret(training.toGraph({ steps: { encoder_inputs: 7, decoder_inputs: 2 } }), { encoder_inputs: x, decoder_inputs: y });
    expect(maxAbsDiff(decoded[decoderModel.outputNames[0]!]!, want[training.outputNames[0]!]!.data)).toBeLessThanOrEqual(1e-6);
  });
});

describe("Keras' seq2seq training model, saved by tfjs with [null, null, F] inputs", () => {
  it('imports and predicts as tfjs at 5 and 3 steps; building the whole as one loop is refused, saying how', async () => {
    const encoderInputs = tf.input({ shape: [null, 4], name: 'encoder_inputs' });
    const [, h, c] = tf.layers.lstm({ units: 6, returnState: true, name: 'encoder' }).apply(encoderInputs) as tf.SymbolicTensor[];
    const decoderInputs = tf.input({ shape: [null, 3], name: 'decoder_inputs' });
    const [decoded] = tf.layers.lstm({ units: 6, returnSequences: true, returnState: true, name: 'decoder' }).apply([decoderInputs, h!, c!]) as tf.SymbolicTensor[];
    const outputs = tf.layers.dense({ units: 3, activation: 'softmax', name: 'decoder_dense' }).apply(decoded!) as tf.SymbolicTensor;
    const original = tf.model({ inputs: [encoderInputs, decoderInputs], outputs });
    const { dir } = await saveTfjsModel(original);
    const imported = loadTfjsLayersModel(join(dir, 'model.json'));
    const [x, y] = [sin([2, 5, 4]), sin([2, 3, 3], 1)];
    const want = (original.predict([tf.tensor(x.data, [2, 5, 4]), tf.tensor(y.data, [2, 3, 3])]) as tf.Tensor).dataSync();
    const got = interpret(imported.toGraph({ steps: { encoder_inputs: 5, decoder_inputs: 3 } }), { encoder_inputs: x, decoder_inputs: y });
    expect(maxAbsDiff(got[imported.outputNames[0]!]!.data, want)).toBeLessThanOrEqual(1e-5);
    const refusal = catchNnc(() => imported.toGraph());
    expect([refusal.code, refusal.location?.layer]).toEqual(['NNC1006', 'decoder']);
    expect(refusal.hint).toMatch(/Compile an encoder and a decoder as two models/);
    original.dispose();
  });
});

describe('nnc build and nnc predict on a model file with sequences of any length', () => {
  it('builds the bundle, and predict (bundle or model file) takes the steps from the input', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'nnc-any-length-cli-'));
    const file = join(dir, 'model.ts');
    writeFileSync(file, "import { layers, sequential } from 'nnc';\nexport default sequential({ layers: [layers.simpleRNN({ inputShape: [null, 2], units: 3 }), layers.dense({ units: 1 })] });\n");
    const built = await cli('build', file, '--no-train', '-o', join(dir, 'out'));
    expect(built.code, built.err).toBe(0);
    // How to use the bundle: the steps come first, and the loop's own states are not inputs.
    expect(built.out).toContain('const result = model.predict(input, steps, batch); // Float32Array of batch × 1');
    for (const steps of [1, 6]) {
      const inputFile = join(dir, `x${steps}.json`);
      writeFileSync(inputFile, JSON.stringify({ shape: [2, steps, 2], data: Array.from({ length: 4 * steps }, (_, i) => Math.cos(i)) }));
      const fromBundle = await cli('predict', join(dir, 'out'), '-i', inputFile);
      const fromModel = await cli('predict', file, '-i', inputFile);
      expect(fromBundle.code, fromBundle.err).toBe(0);
      expect(fromModel.code, fromModel.err).toBe(0);
      const a = JSON.parse(fromBundle.out).dense;
      const b = JSON.parse(fromModel.out).dense;
      expect(a.shape).toEqual([2, 1]);
      expect(b.shape).toEqual([2, 1]);
      expect(maxAbsDiff(a.data, b.data)).toBeLessThanOrEqual(1e-6);
    }
  });
});
