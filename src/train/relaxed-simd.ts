import { setFlagsFromString } from 'node:v8';
import { RELAXED_SIMD_PROBE } from '../codegen/wasm/feature-probes.js';

const PROBE = new Uint8Array(RELAXED_SIMD_PROBE);
let supported: boolean | undefined;

/**
 * Whether this Node compiles relaxed SIMD (for the training executor's fused multiply-adds).
 * Node 22 and later do by default; Node 20's V8 has it behind a flag, which is set here, as the
 * executor already sets V8's compilation flags for its modules. The answer is asked once.
 */
export function relaxedSimdAvailable(): boolean {
  if (supported !== undefined) return supported;
  if (!WebAssembly.validate(PROBE)) {
    try {
      setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      // A V8 without the flag: plain SIMD then.
    }
  }
  return (supported = WebAssembly.validate(PROBE));
}
