import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    // Two cores: run files in parallel but never more workers than cores.
    maxWorkers: 2,
  },
});
