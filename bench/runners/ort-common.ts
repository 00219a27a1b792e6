/** What the two onnxruntime runners share: one input tensor in, one output tensor out. */
import type { BenchContext, Session } from './types.js';

/** The parts of onnxruntime's API the runners use (common to -web and -node). */
interface OrtTensorClass {
  new (type: 'float32', data: Float32Array, dims: readonly number[]): unknown;
}
interface OrtSession {
  run(feeds: Record<string, never>): Promise<Record<string, { data: unknown }>>;
  release(): Promise<void>;
}

export function openOrt(ctx: BenchContext, Tensor: OrtTensorClass, session: OrtSession): Session {
  const rowShape = [...ctx.rowShape];
  return {
    async predict(x, batch) {
      const feeds = { [ctx.inputName]: new Tensor('float32', x, [batch, ...rowShape]) as never };
      const results = await session.run(feeds);
      return results[ctx.outputName]!.data as Float32Array;
    },
    dispose: () => session.release(),
  };
}
