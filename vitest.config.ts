import { defineConfig } from 'vitest/config';

// One runner for unit tests (beside the code, in src/) and end-to-end tests (test/).
// Two cores on CI: two workers, and generous timeouts for tests that start real processes.
export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'probes/src/**/*.test.ts', 'workers/src/**/*.test.ts', 'workers/test/**/*.test.ts', 'test/**/*.test.ts', 'bench/lib/**/*.test.mjs'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
