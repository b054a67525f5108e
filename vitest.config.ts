import { defineConfig } from 'vitest/config';

// One vitest run for the whole workspace: unit tests live in each package's
// test/ folder, cross-package and multi-process tests under test/.
export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // No test joins the public network: every daemon and relay a test starts (directly, or
    // through `parley ui`) inherits this default; the helpers also pass --network private.
    env: { PARLEY_NETWORK: 'private' },
    reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
  },
});
