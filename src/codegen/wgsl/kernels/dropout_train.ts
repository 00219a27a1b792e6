/**
 * x / (1 - rate) where dropoutKeep(seed, i) holds (src/ir/ops/dropout_train.ts), else 0: one
 * invocation per element, i its index in the whole batch (the op is not row-local, so a batch runs
 * in one piece). The mask is the interpreter's bit for bit: the same u32 hash, compared with the
 * integer threshold ceil(rate * 2^32) rather than as a float, which f32 could round across it.
 */
import { load, type KernelGenerator } from '../kernel.js';
import { F32_MAX, wgslFloat } from '../scalar.js';
import { perElementKernel } from './elementwise.js';

/** JavaScript's `seed | 0` of an f32 (truncate, wrap modulo 2^32; NaN and ±Infinity give 0), as u32 bits. */
const SEED_BITS = `fn nnc_seed_bits(s: f32) -> u32 {
  if (s != s || abs(s) > ${F32_MAX}) {
    return 0u;
  }
  let t = trunc(s);
  if (abs(t) < 2147483648.0) {
    return bitcast<u32>(i32(t));
  }
  // |t| >= 2^31: t is a multiple of 2^8, so t mod 2^32 is exact in f32.
  return u32(t - floor(t / 4294967296.0) * 4294967296.0);
}`;

export const dropoutTrainKernel: KernelGenerator = (node, ctx) => {
  const [x, seed] = [node.inputs[0]!, node.inputs[1]!];
  const rate = Number(node.attrs.rate);
  const threshold = Math.max(0, Math.ceil(rate * 2 ** 32));
  const keep = threshold > 0xffffffff ? 'false' : `z >= ${threshold}u`;
  const body = `  var z = nnc_seed_bits(${load(ctx.operand(seed), '0u')}) * 0x9e3779b1u + i * 0x85ebca6bu;
  z = (z ^ (z >> 16u)) * 0x7feb352du;
  z = (z ^ (z >> 15u)) * 0x846ca68bu;
  z = z ^ (z >> 16u);
  ${load(ctx.operand(node), 'i')} = select(0.0, ${load(ctx.operand(x), 'i')} / ${wgslFloat(1 - rate)}, ${keep});`;
  const kernel = perElementKernel(node, ctx, body);
  return [{ ...kernel, wgsl: `${SEED_BITS}\n\n${kernel.wgsl}` }];
};
