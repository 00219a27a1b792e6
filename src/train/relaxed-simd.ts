import { setFlagsFromString } from 'node:v8';

/** A module of one function, (v128, v128, v128) → f32x4.relaxed_madd of them. */
const PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type: (v128 v128 v128) → v128
  0x03, 0x02, 0x01, 0x00, // function 0 has type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // body
]);

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
