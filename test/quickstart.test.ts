/**
 * docs/QUICKSTART.md works as written: every ```ts block with a file name is written to a fresh
 * project folder, every ```sh block is run there in order (the `npm install` block is the one
 * exception: installing the packed tarball into a plain project is what scripts/pack-test.sh
 * does in CI), and the output the page promises is checked. The page is embedded-only, so this
 * runs on the PGlite backend.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { backend } from './helpers/backend.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const PAGE = readFileSync(`${ROOT}docs/QUICKSTART.md`, 'utf8');

interface Block {
  lang: string;
  file: string | undefined;
  code: string;
}

function blocks(markdown: string): Block[] {
  return [...markdown.matchAll(/^```(\w+)(?: file=(\S+))?\n([\s\S]*?)^```$/gm)].map((m) => ({
    lang: m[1] as string,
    file: m[2],
    code: m[3] as string,
  }));
}

describe.skipIf(backend !== 'pglite')('docs/QUICKSTART.md', () => {
  it('every code block runs as written and prints what the page says', () => {
    const all = blocks(PAGE);
    expect(all.filter((b) => b.file).map((b) => b.file)).toEqual(['schema.ts', 'drizzle.config.ts', 'app.ts']);
    // Inside the repository, so `tenantdb` resolves to this package (tsconfig paths / exports).
    const dir = `${ROOT}test-results/quickstart`;
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    let output = '';
    for (const block of all) {
      if (block.file) {
        writeFileSync(`${dir}/${block.file}`, block.code);
        continue;
      }
      expect(block.lang).toBe('sh');
      for (const line of block.code.trim().split('\n')) {
        if (line.startsWith('npm install')) continue; // scripts/pack-test.sh installs the tarball
        const [command, ...args] = line.split(/\s+/) as [string, ...string[]];
        const run = spawnSync(command, args, { cwd: dir, encoding: 'utf8', timeout: 180_000 });
        expect(run.status, `${line}\n${run.stdout}\n${run.stderr}`).toBe(0);
        output += run.stdout;
      }
    }
    expect(output).toContain("[ 'Q3 plan' ]");
    expect(output).toMatch(/^0$/m);
    expect(output).toMatch(/^\d+ checks, 0 failed, 0 leaks$/m);
  });
});
