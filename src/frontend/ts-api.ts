/**
 * ts-morph and the TypeScript compiler inside it, loaded on first use rather than at import:
 * they cost about a second to load, which a model file found unchanged in the check cache
 * (model-file-cache.ts) never pays. Type positions import `ts-morph` with `import type`.
 */
import { createRequire } from 'node:module';
import type * as TsMorph from 'ts-morph';

let loaded: typeof TsMorph | undefined;

export function tsMorph(): typeof TsMorph {
  loaded ??= createRequire(import.meta.url)('ts-morph') as typeof TsMorph;
  return loaded;
}

/** The TypeScript compiler API (`ts`). */
export const tsApi = (): typeof TsMorph.ts => tsMorph().ts;
