/**
 * The ONNX oracle of the tests: onnxruntime-web (its WebAssembly build, what a web developer
 * would otherwise ship), on one thread, fed the model's bytes.
 */
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';

ort.env.wasm.numThreads = 1;

export { ort };

/** A session for an .onnx file (or its bytes). */
export function onnxSession(model: string | Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(typeof model === 'string' ? new Uint8Array(readFileSync(model)) : model);
}
