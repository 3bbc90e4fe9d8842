/** createWorker stops gracefully on SIGTERM: a real process, signalled as a container runtime would. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemContext, type TenantContext } from '../../src/index.ts';
import { tasks } from '../../src/schema/index.ts';
import { enqueueMany } from '../../src/tasks/index.ts';
import {
  backend,
  createTestDatabase,
  processUrls,
  isCitus,
  isServer,
  type TestDatabase,
  type TestDb,
} from '../helpers/backend.ts';
import { root } from '../helpers/cli.ts';
import { ownerContext, tenantOf } from '../helpers/tenants.ts';

const SCRIPT = fileURLToPath(new URL('./signal-worker.ts', import.meta.url));

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;

beforeAll(async () => {
  if (!isServer) return;
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Signal');
});
afterAll(async () => {
  await t?.dispose();
});

// A worker process needs a server (PGlite's in-memory database is the test's own process).
describe.runIf(isServer)('SIGTERM', () => {
  it('stops claiming, lets the running handler finish, releases the one it cannot finish, exits 0', async () => {
    const [quick, slow] = await enqueueMany(tenantOf(db, a), [{ type: 'signal.quick' }, { type: 'signal.slow' }]);
    const { url, systemUrl } = processUrls(t);
    const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        DATABASE_URL: undefined,
        SIGNAL_URL: url,
        SIGNAL_SYSTEM_URL: systemUrl,
        SIGNAL_LISTEN: backend !== 'pgbouncer' && !isCitus ? '1' : '0',
        SIGNAL_SHUTDOWN_MS: '2000',
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 60_000;
    while ((stdout.match(/^claimed /gm) ?? []).length < 2) {
      if (Date.now() > deadline) throw new Error(`the worker claimed nothing: ${stdout}${stderr}`);
      await new Promise((r) => setTimeout(r, 25));
    }
    const signalled = Date.now();
    child.kill('SIGTERM');
    const code = await exited;
    const took = Date.now() - signalled;
    expect(code, stderr).toBe(0);
    expect(stdout).toContain('stopped 1');
    // The quick handler finished within the shutdown timeout; the slow one was handed back.
    expect(took).toBeLessThan(15_000);
    const rows = await withSystemContext(db, (tx) => tx.select().from(tasks).where(eq(tasks.tenantId, a.tenantId)), {
      reason: 'test: read tasks',
    });
    const byId = new Map(rows.map((r) => [r.id, r]));
    expect(byId.get(quick?.id as string)?.status).toBe('completed');
    expect([byId.get(slow?.id as string)?.status, byId.get(slow?.id as string)?.attempts]).toEqual(['pending', 0]);
  }, 120_000);
});
