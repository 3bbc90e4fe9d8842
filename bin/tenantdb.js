#!/usr/bin/env node
// The tenantdb command: the compiled CLI in dist/ (npm run build), run by plain Node, no loader.
// In a clone, `npm install` builds dist/ (prepare); `npm run tenantdb -- <command>` runs the
// TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write('tenantdb: dist/cli/main.js is missing: run `npm run build` first\n');
  process.exit(1);
}
await import(main.href);
