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

const WASM_SECTIONS: Record<number, string> = { 10: 'code', 11: 'data (weights, constants)' };

/**
 * A WebAssembly module's bytes split by section, read from the binary's section headers (exact,
 * not estimated): the code section (the kernels), the data section (embedded weights and other
 * constants), and the rest (types, imports, exports, names) together.
 */
export function wasmSectionSizes(file: BundleFile): SizeRow[] {
  const bytes = typeof file.contents === 'string' ? Buffer.from(file.contents, 'utf8') : file.contents;
  const parts = new Map<string, Uint8Array[]>();
  const add = (name: string, part: Uint8Array) => parts.set(name, [...(parts.get(name) ?? []), part]);
  add('other sections', bytes.subarray(0, 8)); // magic and version
  let at = 8;
  while (at < bytes.length) {
    const start = at;
    const id = bytes[at++]!;
    let size = 0;
    for (let shift = 0; ; shift += 7) {
      const b = bytes[at++]!;
      size += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) break;
    }
    at += size;
    add(WASM_SECTIONS[id] ?? 'other sections', bytes.subarray(start, at));
  }
  return [...parts].map(([section, ps]) => {
    const joined = Buffer.concat(ps);
    return { name: `${file.path}: ${section}`, raw: joined.length, gzip: gzipBytes(joined) };
  });
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
