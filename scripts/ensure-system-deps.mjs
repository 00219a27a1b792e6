#!/usr/bin/env node
// The WebGPU and browser tests need Debian's chromium (headless Chromium, and the SwiftShader
// Vulkan driver that Dawn — the `webgpu` package — runs WGSL on without a GPU) and the Vulkan
// loader libvulkan1 that Dawn opens. Installs them when missing and we are root (CI,
// containers); otherwise says how.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const hasVulkanLoader = () => {
  try {
    return execSync('ldconfig -p', { encoding: 'utf8' }).includes('libvulkan.so.1');
  } catch {
    return false;
  }
};
const ready = () => existsSync('/usr/bin/chromium') && existsSync('/usr/lib/chromium/vk_swiftshader_icd.json') && hasVulkanLoader();

if (ready()) process.exit(0);
const packages = 'chromium libvulkan1';
if (process.getuid?.() !== 0) {
  console.error(`nnc's WebGPU and browser tests need Debian's ${packages}.\nInstall them with: sudo apt-get install -y ${packages}`);
  process.exit(1);
}
console.log(`Installing ${packages} (headless browser tests; SwiftShader Vulkan for WebGPU)...`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execSync(`apt-get update -qq && apt-get install -y -qq ${packages} > /dev/null`, { stdio: 'inherit', env });
if (!ready()) {
  console.error(`${packages} installed, but chromium, SwiftShader or libvulkan.so.1 is still missing.`);
  process.exit(1);
}
