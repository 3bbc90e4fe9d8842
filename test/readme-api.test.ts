/** README's Public API table cannot drift from the package: every export and subpath is in it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = README.slice(README.indexOf('### Public API'), README.indexOf('### The two layers'));
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  exports: Record<string, unknown>;
};

describe("README's Public API table", () => {
  it('names every runtime export of tenantdb', () => {
    const missing = Object.keys(api).filter((name) => !new RegExp(`\`${name}\\b`).test(section));
    expect(missing).toEqual([]);
  });
  it('names every subpath export', () => {
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== '.' && key !== './package.json');
    const missing = subpaths.filter((key) => !section.includes(`\`tenantdb/${key.slice(2)}\``));
    expect(missing).toEqual([]);
  });
});
