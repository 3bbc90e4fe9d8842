import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // The examples import the package by name, as a user's project does; in this repository that
  // name is the source (tsconfig.json maps it the same way for tsc and tsx).
  resolve: {
    alias: [
      { find: /^tenantdb$/, replacement: src('index.ts') },
      { find: /^tenantdb\/errors$/, replacement: src('errors.ts') },
      { find: /^tenantdb\/(.+)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ when it is missing or older than src/: bin/tenantdb.js runs dist/cli/main.js.
    globalSetup: ['./scripts/build-if-stale.mjs'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: more workers only contend. Server suites create a database per file.
    maxWorkers: 2,
    reporters: ['default'],
  },
});
