#!/usr/bin/env node
// The tenantdb command. Runs the TypeScript sources through tsx (no build step, no dist/).
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
