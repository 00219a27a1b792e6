import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli } from '../helpers/cli.js';
import { NncError } from '../../src/errors.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { interpret } from '../../src/ir/interpreter.js';
import { parseGraph } from '../../src/ir/parser.js';
import { maxAbsDiff, randomInputs } from '../helpers/random-inputs.js';
import { ir } from '../passes/pass-case.js';
import { buildWasmBundle } from './bundle-helpers.js';
import { removeTempDirs, tempDir } from './temp.js';

/** Softmax over the batch: every row of the result depends on every row of the input. */
const ACROSS_BATCH = ir`
  %x = input : f32[?,4]
  %0 = softmax %x {axis=0} : f32[?,4]
  output "y" = %0
`;
/** Its row-local twin: the same arena per row, softmax along the features. */
const ROW_WISE = ACROSS_BATCH.replace('{axis=0}', '{axis=-1}');

const manifestOf = (dir: string) => JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'));

afterAll(removeTempDirs);

describe('row-locality decides chunking and threads (wasm bundle)', () => {
  it('a graph that reads across the batch runs a batch larger than a chunk in one call, equal to the interpreter; larger than its memory, it is refused', async () => {
    const graph = parseGraph(ACROSS_BATCH);
    const built = await buildWasmBundle(graph);
    const twin = await buildWasmBundle(parseGraph(ROW_WISE));
    const manifest = manifestOf(built.dir);
    const chunk = manifestOf(twin.dir).wasm.maxRowsPerRun;
    expect(manifestOf(twin.dir).wasm.rowLocal).toBe(true);
    expect(manifest.wasm.rowLocal).toBe(false);
    expect(manifest.wasm.readsAcrossBatch).toBe('softmax %0');
    expect(manifest.wasm.note).toMatch(/^Not row-local: softmax %0 reads across the batch, so a batch runs in one call, never in chunks, and --threads is refused\./);
    const maxRows: number = manifest.wasm.maxRowsPerRun;
    expect(manifest.wasm.note).toContain(`at most ${maxRows} rows`);
    expect(maxRows).toBeGreaterThan(chunk);
    expect(readFileSync(join(built.dir, 'model.js'), 'utf8')).toContain('const ONE_PIECE = "reads across the batch (softmax %0)";');

    const model = await (await built.import()).load();
    const batch = chunk + 904;
    const { flat, tensors } = randomInputs(graph, batch, 3);
    const y = model.predict(flat.x!, batch) as Float32Array;
    expect(maxAbsDiff(y, interpret(graph, tensors).y!.data)).toBeLessThanOrEqual(1e-7);
    // Each column is a distribution over the whole batch, not over one chunk.
    for (let c = 0; c < 4; c++) {
      let sum = 0;
      for (let r = 0; r < batch; r++) sum += y[r * 4 + c]!;
      expect(sum).toBeCloseTo(1, 4);
    }
    const tooMany = maxRows + 1;
    expect(() => model.predict(new Float32Array(tooMany * 4), tooMany)).toThrow(
      new RangeError(`this model reads across the batch (softmax %0), so a batch runs in one piece: at most ${maxRows} rows, got ${tooMany}`),
    );
  });

  it('--threads is refused at build time, naming the node that reads across the batch (NNC4006)', async () => {
    const error = await buildWasmBundle(parseGraph(ACROSS_BATCH), { threads: 2 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NncError);
    expect((error as NncError).code).toBe('NNC4006');
    expect((error as NncError).location.node).toBe('%0');
    expect((error as NncError).detail).toBe(
      '--threads 2 splits each batch into row ranges, but `%0 = softmax %x {axis=0} : f32[?,4]` reads across the batch axis, so its rows depend on each other',
    );
    // The row-local twin builds with threads.
    expect(manifestOf((await buildWasmBundle(parseGraph(ROW_WISE), { threads: 2 })).dir).wasm.threads).toBe(2);
  });

  it('nnc build of an ONNX model with a softmax over the batch: rowLocal false in the manifest; with --threads, NNC4006 and nothing written', async () => {
    const dir = tempDir('row-local');
    const model = join(dir, 'batch-softmax.onnx');
    writeFileSync(model, exportOnnx(parseGraph(ACROSS_BATCH)));
    const refused = await cli('build', model, '--threads', '2', '-o', join(dir, 'threaded'));
    expect(refused.code).toBe(1);
    expect(refused.err).toMatch(/^error NNC4006 model reads across the batch \(.*node %0\): --threads 2 splits each batch into row ranges, but `%0 = softmax %x \{axis=0\} : f32\[\?,4\]`/);
    expect(existsSync(join(dir, 'threaded'))).toBe(false);
    const built = await cli('build', model, '-o', join(dir, 'plain'));
    expect(built.code).toBe(0);
    expect(manifestOf(join(dir, 'plain')).wasm.rowLocal).toBe(false);
  });
});
