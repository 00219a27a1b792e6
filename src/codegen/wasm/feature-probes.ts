/**
 * Tiny modules whose validation tells what an engine's WebAssembly runs: the bundle's loader
 * picks its build by them, the training executor whether it may fuse multiply-adds.
 */

/** SIMD128: i8x16.popcnt of a splat. */
export const SIMD_PROBE: readonly number[] = [0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11];

/** Relaxed SIMD: a function (v128, v128, v128) → v128 returning f32x4.relaxed_madd of its parameters. */
export const RELAXED_SIMD_PROBE: readonly number[] = [
  0, 97, 115, 109, 1, 0, 0, 0, // magic, version
  1, 8, 1, 96, 3, 123, 123, 123, 1, 123, // type: (v128 v128 v128) → v128
  3, 2, 1, 0, // function 0 has type 0
  10, 13, 1, 11, 0, 32, 0, 32, 1, 32, 2, 253, 133, 2, 11, // local.get 0, 1, 2; f32x4.relaxed_madd
];
