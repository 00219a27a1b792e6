/**
 * Reading an nnc bundle directory through its manifest.json (every file but the manifest is
 * listed there): the ES module to import, and the files a browser fetches, code apart from
 * weights. Not counted: type declarations, and the modules a browser fetches instead of
 * model.wasm (model.relaxed.wasm where it runs relaxed SIMD, of the same size; model.scalar.wasm
 * where it has no SIMD): one build is fetched.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { pathToFileURL } from 'node:url';

interface BundleManifest {
  readonly files: readonly { readonly path: string }[];
}

function listed(dir: string): string[] {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as BundleManifest;
  return manifest.files.map((f) => f.path);
}

/** The URL of the bundle's ES module (model.js, model.webgpu.js, ...). */
export function bundleModuleUrl(dir: string): string {
  const entry = listed(dir).find((p) => /\.m?js$/.test(p));
  if (!entry) throw new Error(`no ES module listed in ${join(dir, 'manifest.json')}`);
  return pathToFileURL(join(dir, entry)).href;
}

/** The build a loaded bundle runs, from its `relaxed` and `simd` flags (see model.d.ts). */
export function bundleBuild(model: { readonly simd: boolean; readonly relaxed: boolean }): string {
  if (model.relaxed) return 'model.relaxed.wasm (relaxed SIMD: fused multiply-adds)';
  return model.simd ? 'model.wasm (SIMD128)' : 'model.scalar.wasm (no SIMD)';
}

export function bundleShipped(dir: string, how: string): { code: string[]; weights: string[]; note: string } {
  const shipped = listed(dir).filter((p) => /\.(m?js|wasm|bin)$/.test(p) && !/\.(scalar|relaxed)\.wasm$/.test(p));
  const isWeights = (p: string) => p.endsWith('.bin');
  const code = shipped.filter((p) => !isWeights(p)).map((p) => join(dir, p));
  const weights = shipped.filter(isWeights).map((p) => join(dir, p));
  const names = (files: string[]) => files.map((f) => basename(f)).join(' + ') || 'none';
  return { code, weights, note: `${names(code)}; weights = ${names(weights)}${how}` };
}
