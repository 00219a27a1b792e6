#!/usr/bin/env node
// The WebGPU and browser tests need Debian's chromium: it brings headless Chromium and the
// SwiftShader Vulkan driver that Dawn (the `webgpu` package) runs WGSL on without a GPU.
// Installs it when missing and we are root (CI, containers); otherwise says how.
import { existsSync } from 'node:fs';
import { execSync } from 'node:child_process';

const CHROMIUM = '/usr/bin/chromium';
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';

if (existsSync(CHROMIUM) && existsSync(SWIFTSHADER)) process.exit(0);
if (process.getuid?.() !== 0) {
  console.error(`nnc tests need Debian's chromium (${CHROMIUM}, ${SWIFTSHADER}).\nInstall it with: sudo apt-get install -y chromium`);
  process.exit(1);
}
console.log('Installing chromium (headless browser tests, SwiftShader Vulkan for WebGPU)...');
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execSync('apt-get update -qq && apt-get install -y -qq chromium > /dev/null', { stdio: 'inherit', env });
