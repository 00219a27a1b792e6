import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Golden tests compile bundles, start Chromium and run tfjs: generous per-test limits, and
    // never a wall-time assertion inside a test (speed lives in bench/).
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores on CI: run test files on two workers.
    maxWorkers: 2,
  },
});
