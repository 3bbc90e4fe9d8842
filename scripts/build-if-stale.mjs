// Builds dist/ only when it is missing or older than anything in src/ (or the tsconfigs), by
// mtime. bin/tenantdb.js runs the compiled dist/cli/main.js, so `npm install` in a clone
// (prepare), `npm start` (prestart) and the test suite (vitest globalSetup: test/cli.test.ts and
// others spawn the binary) run this first.
//
// `npm run build` is the clean, strict build (prepack: npm pack and publish). This one is for
// development: when tsc reports errors but still emitted the JavaScript (type errors do not stop
// emission), it prints the errors and carries on with that dist/, as tsx would run the sources.
// It fails only when no dist/cli/main.js came out.
//
//   node scripts/build-if-stale.mjs     # exit 0 when dist/ is usable
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const INPUTS = ['src', 'tsconfig.json', 'tsconfig.build.json'];

/** Newest (or oldest) mtime under a path, directories included (deleting a file changes its directory). */
function mtimes(path, pick) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return undefined; // deleted while we walked: someone is editing
  }
  let result = stat.mtimeMs;
  if (stat.isDirectory()) {
    let entries = [];
    try {
      entries = readdirSync(path);
    } catch {
      // deleted meanwhile
    }
    for (const entry of entries) {
      const m = mtimes(join(path, entry), pick);
      if (m !== undefined) result = pick(result, m);
    }
  }
  return result;
}

/** Why dist/ needs building, or undefined when it is up to date. */
export function staleReason() {
  if (!existsSync(join(dist, 'cli', 'main.js'))) return 'dist/ is missing';
  const newestInput = Math.max(...INPUTS.map((p) => mtimes(join(root, p), Math.max) ?? 0));
  const oldestOutput = mtimes(dist, Math.min) ?? 0;
  return newestInput > oldestOutput ? 'src/ or a tsconfig changed since the last build' : undefined;
}

/**
 * Builds into a private directory and then swaps it in, so two processes building at once (or one
 * running the binary meanwhile) never see a half-written dist/.
 * Returns { built, ok, errors }: ok is false only when nothing usable was emitted.
 */
export function buildIfStale({ log = (line) => process.stderr.write(`${line}\n`) } = {}) {
  const reason = staleReason();
  if (!reason) return { built: false, ok: true, errors: '' };
  log(`tenantdb: building dist/ (${reason}) …`);
  const started = Date.now();
  const out = join(root, `.dist-build-${process.pid}`);
  rmSync(out, { recursive: true, force: true });
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', out, '--pretty', 'false'], {
    cwd: root,
    encoding: 'utf8',
  });
  const errors = `${result.stdout ?? ''}${result.stderr ?? ''}${result.error ? String(result.error) : ''}`.trim();
  if (!existsSync(join(out, 'cli', 'main.js'))) {
    rmSync(out, { recursive: true, force: true });
    log(banner('the build of dist/ FAILED: tsc emitted nothing (tsc -p tsconfig.build.json)', errors));
    return { built: false, ok: false, errors };
  }
  for (let attempt = 0; ; attempt++) {
    rmSync(dist, { recursive: true, force: true });
    try {
      renameSync(out, dist);
      break;
    } catch (error) {
      if (attempt >= 3) throw error; // another process swapped its build in between
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  if (result.status !== 0) {
    log(
      banner(
        `dist/ built in ${seconds} s WITH TypeScript ERRORS (the JavaScript was emitted and is used; npm run build and npm run typecheck fail)`,
        errors,
      ),
    );
  } else {
    log(`tenantdb: dist/ built in ${seconds} s`);
  }
  return { built: true, ok: true, errors: result.status === 0 ? '' : errors };
}

function banner(title, body, max = 80) {
  const rule = '='.repeat(100);
  const lines = (body || '(no output)').split('\n');
  const shown = lines.slice(0, max).join('\n');
  const more = lines.length > max ? `\n… ${lines.length - max} more lines: npm run build shows them all` : '';
  return `\n${rule}\ntenantdb: ${title}\n${rule}\n${shown}${more}\n${rule}\n`;
}

/**
 * vitest globalSetup (vitest.config.ts). A failed build does not stop the run: the tests that do
 * not spawn the binary still run, and those that do fail after the tsc errors printed above.
 */
export function setup() {
  buildIfStale();
}

if (process.argv[1] && relative(process.argv[1], fileURLToPath(import.meta.url)) === '') {
  process.exitCode = buildIfStale().ok ? 0 : 1;
}
