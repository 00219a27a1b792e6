/**
 * Node has no `navigator.gpu`: the `webgpu` package (Dawn) provides one. Without a GPU, Dawn
 * runs on SwiftShader, the CPU Vulkan driver Debian's chromium package ships; run.ts points
 * VK_ICD_FILENAMES at it for `--webgpu`. Both WebGPU runners use the same device kind.
 */
export async function nodeWebGpu(): Promise<GPU> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing) return existing;
  const { create, globals } = await import('webgpu');
  Object.assign(globalThis, globals);
  const gpu = create([]);
  Object.defineProperty(globalThis, 'navigator', { value: { gpu, userAgent: 'node' }, configurable: true });
  return gpu;
}
