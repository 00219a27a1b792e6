/**
 * Where the bundle's bytes go: every written file raw and gzipped (code: model.js, .wasm, .wgsl;
 * weights when external), and the weights the optimized graph ships, per layer, raw and gzipped
 * (the gzipped size is what a server sending Content-Encoding: gzip transfers).
 */
import { gzipSync } from 'node:zlib';
import type { Graph } from '../ir/graph.js';
import type { BundleFile } from '../bundle/target.js';
import { byteLength } from '../bundle/manifest.js';

export interface SizeRow {
  readonly name: string;
  readonly raw: number;
  readonly gzip: number;
}

function gzipBytes(contents: string | Uint8Array): number {
  return gzipSync(typeof contents === 'string' ? Buffer.from(contents, 'utf8') : contents, { level: 9 }).length;
}

export function fileSizes(files: readonly BundleFile[]): SizeRow[] {
  return files.map((f) => ({ name: f.path, raw: byteLength(f.contents), gzip: gzipBytes(f.contents) }));
}

/** Weights grouped by the layer they came from (the weight's name up to its last '/', else the name). */
export function weightSizesByLayer(graph: Graph): SizeRow[] {
  const groups = new Map<string, Uint8Array[]>();
  for (const w of graph.weightNodes) {
    const data = graph.weights.get(w.name!);
    if (!data) continue;
    const layer = w.layer ?? (w.name!.includes('/') ? w.name!.slice(0, w.name!.lastIndexOf('/')) : w.name!);
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    groups.set(layer, [...(groups.get(layer) ?? []), bytes]);
  }
  return [...groups].map(([name, parts]) => {
    const joined = Buffer.concat(parts);
    return { name, raw: joined.length, gzip: gzipBytes(joined) };
  });
}
