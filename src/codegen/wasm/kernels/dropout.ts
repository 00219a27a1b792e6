import { copyKernel } from './copy.js';
import type { WasmKernel } from './kernel.js';

/** Dropout is the identity at inference (canonicalize removes it); left in, it is a copy. */
export const dropoutKernel: WasmKernel = copyKernel;
