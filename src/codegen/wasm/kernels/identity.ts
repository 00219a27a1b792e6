import { copyKernel } from './copy.js';
import type { WasmKernel } from './kernel.js';

/** Canonicalize removes identities; one left in an unoptimized graph has its own slot: a copy. */
export const identityKernel: WasmKernel = copyKernel;
