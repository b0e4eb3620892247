// Test runner config: Node tests mirror src/ under tests/; tests/browser/ drives headless Chromium.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
    maxWorkers: 2,
    setupFiles: ['tests/setup_threads.ts'],
  },
});
