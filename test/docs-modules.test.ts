/**
 * docs/modules/<module>.md works as written. There is one page per domain module, each page names
 * every function its module exports, and each page's example runs: its ```ts blocks, in order, are
 * one program, written to a fresh folder under test-results/ (inside the repository, so `tenantdb`
 * resolves to this package) and run with tsx, and what it prints must be the page's ```text
 * block, exactly. The examples also typecheck. They are embedded-only, so this runs on the PGlite
 * backend.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { backend } from './helpers/backend.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DOCS = `${ROOT}docs/modules`;

const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { exports: Record<string, unknown> };

/**
 * The domain modules: the subpath exports (`tenantdb/<name>`, from src/<name>/index.ts) that give
 * the clients a namespace (docs/ARCHITECTURE.md, "The module shape"); not schema, errors or verify.
 */
const MODULES = new Map<string, Record<string, unknown>>();
for (const key of Object.keys(pkg.exports)) {
  const name = /^\.\/([a-z-]+)$/.exec(key)?.[1];
  if (name === undefined || !existsSync(`${ROOT}src/${name}/index.ts`)) continue;
  const module = (await import(`../src/${name}/index.ts`)) as Record<string, unknown>;
  if (Object.keys(module).some((fn) => /Namespace$/.test(fn))) MODULES.set(name, module);
}

function blocks(markdown: string, lang: string): string[] {
  return [...markdown.matchAll(/^```(\w+)\n([\s\S]*?)^```$/gm)].filter((m) => m[1] === lang).map((m) => m[2] as string);
}

/** A page's example: its ```ts blocks, in order, and the ```text blocks (what it prints). */
function exampleOf(name: string): { code: string; prints: string[] } {
  const text = existsSync(`${DOCS}/${name}.md`) ? readFileSync(`${DOCS}/${name}.md`, 'utf8') : '';
  return { code: blocks(text, 'ts').join('\n'), prints: blocks(text, 'text') };
}

// Inside the repository, so `tenantdb` resolves to this package (tsconfig paths / exports).
const OUT = `${ROOT}test-results/docs-modules`;

describe.skipIf(backend !== 'pglite')('docs/modules', () => {
  beforeAll(() => {
    rmSync(OUT, { recursive: true, force: true });
    for (const name of MODULES.keys()) {
      mkdirSync(`${OUT}/${name}`, { recursive: true });
      writeFileSync(`${OUT}/${name}/example.ts`, exampleOf(name).code);
    }
    writeFileSync(
      `${OUT}/tsconfig.json`,
      JSON.stringify({ extends: '../../tsconfig.json', include: ['*/example.ts'] }),
    );
  });

  it('has one page per domain module, and nothing else', () => {
    expect(MODULES.size).toBeGreaterThanOrEqual(9);
    const pages = readdirSync(DOCS).filter((name) => name.endsWith('.md'));
    expect(pages.sort()).toEqual([...MODULES.keys()].map((name) => `${name}.md`).sort());
  });

  for (const [name, module] of MODULES) {
    describe(`${name}.md`, () => {
      it(`names every function tenantdb/${name} exports`, () => {
        const functions = Object.keys(module).filter(
          // The namespace factories are the clients' plumbing; their methods are on the page.
          (key) => typeof module[key] === 'function' && !/Namespace$/.test(key),
        );
        expect(functions.length).toBeGreaterThan(0);
        const text = readFileSync(`${DOCS}/${name}.md`, 'utf8');
        expect(functions.filter((fn) => !text.includes(`\`${fn}`))).toEqual([]);
      });

      it('its example runs on an embedded database and prints what the page says', () => {
        const { code, prints } = exampleOf(name);
        expect(code).toMatch(/from 'tenantdb'/);
        expect(code).toContain(`from 'tenantdb/${name}'`);
        expect(code).toContain('createDatabase({ embedded: true })');
        expect(code).toContain('await migrate(db)');
        expect(code).toContain('createSystemClient(db');
        expect(code).toContain('createTenantClient(db');
        expect(prints, 'one ```text block: what the example prints').toHaveLength(1);
        const run = spawnSync('npx', ['tsx', 'example.ts'], {
          cwd: `${OUT}/${name}`,
          encoding: 'utf8',
          timeout: 180_000,
        });
        expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
        expect(run.stdout).toBe(prints[0]);
      });
    });
  }

  it('the examples typecheck (strict, as tsconfig.json)', () => {
    const run = spawnSync('npx', ['tsc', '--noEmit', '--pretty', 'false', '-p', `${OUT}/tsconfig.json`], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(run.error).toBeUndefined();
    // Only the examples' own errors: src/ is typechecked by `npm run typecheck`.
    const errors = run.stdout.split('\n').filter((line) => /docs-modules\/[a-z-]+\/example\.ts\(/.test(line));
    expect(errors).toEqual([]);
    expect(run.stdout + run.stderr).not.toMatch(/error TS(5|6)\d{3}/); // configuration errors
  });
});
