import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import onnxProto from 'onnx-proto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { writeBundle } from '../../src/bundle/writer.js';
import { cli } from '../helpers/cli.js';
import { NncError } from '../../src/errors.js';
import { loadOnnxGraph } from '../../src/frontend/import/onnx.js';
import { loadTfjsGraphModel } from '../../src/frontend/import/tfjs-graph.js';
import { loadTfjsLayersModel } from '../../src/frontend/import/tfjs-layers.js';
import { replaceDirAtomic } from '../../src/train/save.js';
import { catchNnc } from '../helpers/expect-nnc-error.js';
import { tfjsReady } from '../helpers/tfjs-twin.js';
import { removeTempDirs, tempDir } from '../wasm/temp.js';

/**
 * Hostile input: a model file must not make nnc read files outside the model's folder, and no
 * `-o` may make nnc delete what it did not write (or hang).
 *
 * Every test runs in a sandbox under the system temp dir, with the working directory and $HOME
 * moved into it, so that a regression deletes sandbox files, never real ones:
 *   root/home/          $HOME
 *   root/box/work/      the working directory ('..' is root/box)
 *   root/box/models/    the model files (models/NAME/model.json), and secret.bin
 *   root/secret.bin     what a hostile model tries to read (so is models/secret.bin)
 */

// 32 bytes = the 8 float32 weights of a Dense(3 -> 2) layer; ASCII bytes are always finite floats.
const SECRET = Buffer.from('TOP SECRET: do not ship this!!!!');
const SENTINEL = 'sentinel.txt';

let root: string;
let work: string;
let home: string;
let models: string;
let secretPath: string;
let layersArtifacts: { modelTopology: unknown; weightSpecs: unknown[] };
const startDir = process.cwd();

/** Whether any 8-byte slice of the secret occurs in `bytes` (weights may be laid out in pieces). */
const holdsSecret = (bytes: Uint8Array | string) => {
  const buf = Buffer.from(bytes);
  for (let i = 0; i + 8 <= SECRET.length; i += 8) if (buf.includes(SECRET.subarray(i, i + 8))) return true;
  return false;
};

/** Every file under `dir` (following no links) that holds a piece of the secret. */
function filesHoldingSecret(dir: string): string[] {
  const hits: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) hits.push(...filesHoldingSecret(path));
    else if (e.isFile() && holdsSecret(readFileSync(path))) hits.push(path);
  }
  return hits;
}

/** A fresh model folder (under root/box/models) holding model.json (tfjs Layers) with `paths` as its shard list. */
function layersModel(name: string, paths: string[], base = models): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  const json = { modelTopology: layersArtifacts.modelTopology, weightsManifest: [{ paths, weights: layersArtifacts.weightSpecs }] };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return join(dir, 'model.json');
}

/** The same Dense layer as a tfjs graph model (MatMul + BiasAdd), with `paths` as its shard list. */
function graphModel(name: string, paths: string[]): string {
  const dir = join(models, name);
  mkdirSync(dir, { recursive: true });
  const node = (n: string, op: string, input: string[] = [], attr: Record<string, unknown> = {}) => ({ name: n, op, input, attr });
  const json = {
    format: 'graph-model',
    generatedBy: 'hand-written test model',
    convertedBy: 'TensorFlow.js Converter v4',
    modelTopology: {
      node: [
        node('x', 'Placeholder', [], { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }, { size: '3' }] } } }),
        node('w', 'Const', [], { dtype: { type: 'DT_FLOAT' } }),
        node('b', 'Const', [], { dtype: { type: 'DT_FLOAT' } }),
        node('mm', 'MatMul', ['x', 'w'], { transpose_a: { b: false }, transpose_b: { b: false } }),
        node('y', 'BiasAdd', ['mm', 'b']),
      ],
      library: {},
      versions: {},
    },
    weightsManifest: [{ paths, weights: [{ name: 'w', shape: [3, 2], dtype: 'float32' }, { name: 'b', shape: [2], dtype: 'float32' }] }],
  };
  writeFileSync(join(dir, 'model.json'), JSON.stringify(json));
  return join(dir, 'model.json');
}

beforeAll(async () => {
  root = tempDir('security');
  work = join(root, 'box', 'work');
  home = join(root, 'home');
  models = join(root, 'box', 'models');
  for (const d of [work, home, models]) mkdirSync(d, { recursive: true });
  writeFileSync(join(work, SENTINEL), 'work');
  writeFileSync(join(home, SENTINEL), 'home');
  writeFileSync(join(root, 'box', SENTINEL), 'box');
  secretPath = join(root, 'secret.bin');
  writeFileSync(secretPath, SECRET);
  writeFileSync(join(models, 'secret.bin'), SECRET); // '../secret.bin' from a model folder

  // The model topology and weight specs as tfjs' own save writes them.
  await tfjsReady();
  const seq = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3], name: 'dense' })] });
  await seq.save(
    tf.io.withSaveHandler(async (artifacts) => {
      layersArtifacts = { modelTopology: artifacts.modelTopology, weightSpecs: artifacts.weightSpecs! };
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  seq.dispose();

  process.chdir(work);
  vi.stubEnv('HOME', home);
});

afterAll(() => {
  process.chdir(startDir);
  vi.unstubAllEnvs();
  removeTempDirs();
});

describe('weight files named by a model file stay inside its folder (NNC6003)', () => {
  it('control: the same bytes as the folder’s own weights.bin do reach the bundle', async () => {
    const file = layersModel('control', ['weights.bin'], root);
    writeFileSync(join(root, 'control', 'weights.bin'), SECRET);
    const out = join(root, 'control-out');
    const r = await cli('build', file, '--no-train', '-o', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    // The check below is meaningful: it finds the bytes where they are.
    expect(filesHoldingSecret(out).length).toBeGreaterThan(0);
  });

  const hostile: [string, (name: string) => string[]][] = [
    ['../secret.bin', () => ['../secret.bin']],
    ['a path climbing out further', () => ['../../../secret.bin']],
    ['an absolute path', () => [secretPath]],
    ['a symbolic link inside the folder pointing outside', (name) => {
      mkdirSync(join(models, name), { recursive: true });
      symlinkSync(secretPath, join(models, name, 'weights.bin'));
      return ['weights.bin'];
    }],
  ];
  for (const [format, make] of [['tfjs Layers', layersModel], ['tfjs graph', graphModel]] as const)
    for (const [what, paths] of hostile)
      it(`${format}: ${what} is refused and the secret appears nowhere`, async () => {
        const name = `${format.replace(/\W/g, '')}-${what.replace(/\W+/g, '-')}`;
        const shard = paths(name);
        const file = make(name, shard);
        const out = join(work, `out-${name}`);
        const r = await cli('build', file, '--no-train', '-o', out);
        expect(r.code).toBe(1);
        expect(r.err).toContain('NNC6003');
        expect(r.err).toContain(`'${shard[0]}'`);
        expect(r.err).toContain(file);
        expect(r.err).toContain("Weight shards must sit in the model's folder");
        expect(holdsSecret(r.out + r.err)).toBe(false);
        expect(existsSync(out)).toBe(false);
        expect(filesHoldingSecret(work)).toEqual([]);
        expect(filesHoldingSecret(models)).toEqual([join(models, 'secret.bin')]);

        // The importers themselves refuse, whoever calls them.
        const load = format === 'tfjs Layers' ? loadTfjsLayersModel : loadTfjsGraphModel;
        const e = catchNnc(() => load(file));
        expect(e.code).toBe('NNC6003');
        expect(e.location.file).toBe(file);
      });

  it('a missing shard outside the folder is NNC6003, one inside it NNC6002', () => {
    expect(catchNnc(() => loadTfjsLayersModel(layersModel('missing-out', ['../nothing-here.bin']))).code).toBe('NNC6003');
    expect(catchNnc(() => loadTfjsLayersModel(layersModel('missing-in', ['nothing-here.bin']))).code).toBe('NNC6002');
  });

  it('a shard in a subfolder of the model folder is fine', () => {
    const file = layersModel('nested', ['shards/../shards/weights.bin']);
    mkdirSync(join(models, 'nested', 'shards'));
    writeFileSync(join(models, 'nested', 'shards', 'weights.bin'), Buffer.alloc(32));
    expect(loadTfjsLayersModel(file).countParams()).toBe(8);
  });

  it('ONNX: an initializer with external data is refused by name (NNC6001), nothing is read', async () => {
    const { onnx } = onnxProto;
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: '', version: 17 }],
      graph: {
        name: 'g',
        node: [onnx.NodeProto.create({ opType: 'MatMul', input: ['x', 'w'], output: ['y'], name: 'y' })],
        initializer: [
          onnx.TensorProto.create({
            name: 'w',
            dims: [4, 2],
            dataType: onnx.TensorProto.DataType.FLOAT,
            dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
            externalData: [{ key: 'location', value: '../../secret.bin' }, { key: 'length', value: '32' }],
          }),
        ],
        input: [onnx.ValueInfoProto.create({ name: 'x', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 4 }] } } } })],
        output: [onnx.ValueInfoProto.create({ name: 'y', type: { tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }] } } } })],
      },
    });
    mkdirSync(join(models, 'onnx'));
    const file = join(models, 'onnx', 'model.onnx');
    writeFileSync(file, onnx.ModelProto.encode(model).finish());
    const e = catchNnc(() => loadOnnxGraph(file));
    expect(e.code).toBe('NNC6001');
    expect(e.detail).toMatch(/initializer 'w' stores its data in an external file \('\.\.\/\.\.\/secret\.bin'\); external data is not supported/);
    const r = await cli('build', file, '--no-train', '-o', join(work, 'out-onnx'));
    expect(r.code).toBe(1);
    expect(r.err).toContain('NNC6001');
    expect(existsSync(join(work, 'out-onnx'))).toBe(false);
  });
});

describe('output directory safety (NNC4005)', () => {
  let model: string;
  beforeAll(() => {
    model = layersModel('plain', ['weights.bin']);
    writeFileSync(join(models, 'plain', 'weights.bin'), Buffer.alloc(32));
  });

  /** The sandbox's sentinels and the model are all still there, unchanged. */
  const expectNothingDeleted = () => {
    expect(readFileSync(join(work, SENTINEL), 'utf8')).toBe('work');
    expect(readFileSync(join(home, SENTINEL), 'utf8')).toBe('home');
    expect(readFileSync(join(root, 'box', SENTINEL), 'utf8')).toBe('box');
    expect(existsSync(model)).toBe(true);
    expect(readdirSync(root, { withFileTypes: false }).filter((n) => n.includes('.tmp-') || n.includes('.old'))).toEqual([]);
  };

  const refused = [
    ["''", () => '', /the path is empty/],
    ['.', () => '.', /it is the current directory or contains it/],
    ['..', () => '..', /it is the current directory or contains it/],
    ['./sub/../..', () => './sub/../..', /it is the current directory or contains it/],
    ["the model's folder", () => join(models, 'plain'), /it contains the model file/],
    ['an ancestor of the model file', () => models, /it contains the model file/],
    ['$HOME', () => home, /it is the home directory or contains it/],
    ['/', () => '/', /it is the root directory/],
  ] as const;
  for (const [what, dir, reason] of refused)
    it(`-o ${what} is refused, even with --force, and nothing is deleted`, async () => {
      for (const force of [[], ['--force']]) {
        const r = await cli('build', model, '--no-train', '-o', dir(), ...force);
        expect(r.code).toBe(1);
        expect(r.err).toMatch(/^error NNC4005 output path refused: /);
        expect(r.err).toContain(`'${dir()}'`);
        expect(r.err).toMatch(reason);
        expect(r.err).toMatch(/hint: nnc never replaces this directory, even with --force/);
        expectNothingDeleted();
      }
    });

  it('-o a symbolic link to $HOME or to the working directory is refused', async () => {
    symlinkSync(home, join(root, 'link-home'));
    symlinkSync(work, join(root, 'link-work'));
    for (const [link, reason] of [['link-home', /home directory/], ['link-work', /current directory/]] as const) {
      const r = await cli('build', model, '--no-train', '-o', join(root, link), '--force');
      expect(r.code).toBe(1);
      expect(r.err).toContain('NNC4005');
      expect(r.err).toMatch(reason);
    }
    expect(statSync(join(root, 'link-home')).isDirectory()).toBe(true);
    expectNothingDeleted();
  });

  it('-o an existing file is refused (with or without --force) and the file is intact', async () => {
    writeFileSync(join(work, 'notes.txt'), 'my notes');
    for (const force of [[], ['--force']]) {
      const r = await cli('build', model, '--no-train', '-o', 'notes.txt', ...force);
      expect(r.code).toBe(1);
      expect(r.err).toContain('NNC4005');
      expect(r.err).toContain("'notes.txt': it is an existing file");
      expect(readFileSync(join(work, 'notes.txt'), 'utf8')).toBe('my notes');
    }
    // The model file itself is a file as well.
    expect((await cli('build', model, '--no-train', '-o', model, '--force')).err).toContain('NNC4005');
    expectNothingDeleted();
  });

  it('a non-empty directory nnc did not write is refused without --force, replaced with it', async () => {
    mkdirSync(join(work, 'foreign', 'sub'), { recursive: true });
    writeFileSync(join(work, 'foreign', 'a.txt'), 'a');
    writeFileSync(join(work, 'foreign', 'sub', 'b.txt'), 'b');
    const r = await cli('build', model, '--no-train', '-o', 'foreign');
    expect(r.code).toBe(1);
    expect(r.err).toContain("NNC4005 output path refused: 'foreign': it is a non-empty directory nnc did not write");
    expect(r.err).toContain('hint: Choose a new directory, or pass --force to replace a directory nnc did not write.');
    expect(readFileSync(join(work, 'foreign', 'a.txt'), 'utf8')).toBe('a');
    expect(readFileSync(join(work, 'foreign', 'sub', 'b.txt'), 'utf8')).toBe('b');

    const forced = await cli('build', model, '--no-train', '-o', 'foreign', '--force');
    expect(forced.err).toBe('');
    expect(forced.code).toBe(0);
    expect(readdirSync(join(work, 'foreign'))).toContain('manifest.json');
    expect(existsSync(join(work, 'foreign', 'a.txt'))).toBe(false);
    expectNothingDeleted();
  });

  it('a directory nnc built earlier (one target or --target all) and an empty one are replaced without --force', async () => {
    for (const extra of [[], ['--target', 'all']]) {
      const out = join(work, `earlier${extra.length}`);
      expect((await cli('build', model, '--no-train', '-o', out, ...extra)).code).toBe(0);
      // A file left inside a bundle goes with it. (--target all: the output is recognised by
      // each of its subdirectories being a bundle, so the stray file sits inside one.)
      const stale = join(out, ...(extra.length ? ['wasm'] : []), 'stale.txt');
      writeFileSync(stale, 'old');
      const again = await cli('build', model, '--no-train', '-o', out, ...extra);
      expect(again.err).toBe('');
      expect(again.code).toBe(0);
      expect(existsSync(stale)).toBe(false);
    }
    mkdirSync(join(work, 'empty'));
    expect((await cli('build', model, '--no-train', '-o', 'empty')).code).toBe(0);
    expect(readdirSync(join(work, 'empty'))).toContain('manifest.json');
    expectNothingDeleted();
  });

  it('-o /proc/x/y fails fast with an NncError instead of hanging', { timeout: 20_000 }, async () => {
    if (!existsSync('/proc/self')) return; // Linux only: elsewhere there is no /proc to hang in.
    const r = await cli('build', model, '--no-train', '-o', '/proc/x/y');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/NNC4002 .*'\/proc\/x\/y'/);
    await expect(writeBundle('/proc/x/y', [{ path: 'a.txt', contents: 'a' }])).rejects.toSatisfy((e: unknown) => e instanceof NncError && e.code === 'NNC4002');
    expect(catchNnc(() => replaceDirAtomic('/proc/x/y', () => undefined)).code).toBe('NNC4002');
  });
});

describe('nnc train -o follows the same rules', () => {
  /** A tiny classifier with its own training data (as test/train/cli-train.test.ts writes them). */
  function trainModel(): string {
    const rows = Array.from({ length: 16 }, (_, i) => [((i * 7) % 10) / 10, ((i * 3) % 10) / 10, ((i * 5) % 10) / 10, 0.5]);
    const labels = rows.map((r) => r.slice(0, 3).indexOf(Math.max(...r.slice(0, 3))));
    const source = `import { layers, sequential } from 'nnc';
const model = sequential({ layers: [layers.dense({ units: 4, activation: 'relu', inputShape: [4] }), layers.dense({ units: 3, activation: 'softmax' })] });
model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
export const training = {
  data: { train: { x: ${JSON.stringify(rows)}, y: ${JSON.stringify(labels)} }, test: { x: ${JSON.stringify(rows)}, y: ${JSON.stringify(labels)} } },
  epochs: 1,
  batchSize: 8,
};
export default model;
`;
    mkdirSync(join(models, 'train'), { recursive: true });
    writeFileSync(join(models, 'train', 'model.ts'), source);
    return join(models, 'train', 'model.ts');
  }

  it('refuses . and a foreign directory before training; --force replaces it; then it is nnc’s own', async () => {
    const file = trainModel();
    for (const dir of ['.', '..', models]) {
      const r = await cli('train', file, '-o', dir, '--force');
      expect(r.code).toBe(1);
      expect(r.err).toContain('NNC4005');
      expect(r.out).toBe(''); // refused before the model was even loaded
    }
    mkdirSync(join(work, 'trained-foreign'));
    writeFileSync(join(work, 'trained-foreign', 'keep.txt'), 'keep');
    const r = await cli('train', file, '-o', 'trained-foreign');
    expect(r.code).toBe(1);
    expect(r.err).toContain('it is a non-empty directory nnc did not write');
    expect(r.out).toBe('');
    expect(readFileSync(join(work, 'trained-foreign', 'keep.txt'), 'utf8')).toBe('keep');

    const forced = await cli('train', file, '-o', 'trained-foreign', '--force');
    expect(forced.err).toBe('');
    expect(forced.code).toBe(0);
    expect(readdirSync(join(work, 'trained-foreign')).sort()).toEqual(['history.json', 'model.json', 'weights.bin']);
    // model.json says generatedBy "nnc": the next run replaces it without --force.
    expect((await cli('train', file, '-o', 'trained-foreign')).code).toBe(0);
    expectTrainNothingDeleted();
  });

  const expectTrainNothingDeleted = () => {
    expect(readFileSync(join(work, SENTINEL), 'utf8')).toBe('work');
    expect(readFileSync(join(root, 'box', SENTINEL), 'utf8')).toBe('box');
  };
});
