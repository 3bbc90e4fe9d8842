/** `tenantdb tasks`: the operators' commands, spawned as an operator runs them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionTenant, type Database } from '../../src/index.ts';
import { claimTasks, enqueueMany, failTask, type ClaimedTask } from '../../src/tasks/index.ts';
import { createTestDatabase, isServer, type TestDatabase } from '../helpers/backend.ts';
import { bin, openTarget, run } from '../helpers/cli.ts';
import { systemOf, tenantOf } from '../helpers/tenants.ts';

const runCli = (args: string[]) => run('node', [bin, ...args]);

let dir: string;
let server: TestDatabase | undefined;
let target: string[];
let tenantId: string;
let failedId: string;
let pendingId: string;

const open = <T>(fn: (db: Database) => Promise<T>) => openTarget(server, `${dir}/db`, fn);

beforeAll(async () => {
  dir = mkdtempSync(`${tmpdir()}/tenantdb-tasks-cli-`);
  server = isServer ? await createTestDatabase() : undefined;
  target = server ? ['--url', server.url as string] : ['--data-dir', `${dir}/db`];
  if (!server) expect(runCli(['migrate', ...target]).code).toBe(0);
  [tenantId, failedId, pendingId] = await open(async (db) => {
    const { tenant } = await provisionTenant(systemOf(db), { name: 'Ops', slug: `ops-${Date.now()}` });
    const [broken, waiting] = await enqueueMany(tenantOf(db, { tenantId: tenant.id }), [
      { type: 'cli.broken', maxAttempts: 1 },
      { type: 'cli.waiting' },
    ]);
    const [held] = (await claimTasks(systemOf(db), {
      workerId: 'cli-test',
      limit: 1,
      lease: 60_000,
      types: ['cli.broken'],
    })) as [ClaimedTask];
    await failTask(systemOf(db), { workerId: 'cli-test', task: held, error: 'provider said no' });
    return [tenant.id, broken?.id as string, waiting?.id as string];
  });
});
afterAll(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('tenantdb tasks', () => {
  it('lists counts and tasks (filters, --json), retries a failed task, cancels a pending one', () => {
    const list = runCli(['tasks', 'list', '--tenant', tenantId, ...target]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/pending 1, running 0, completed 0, failed 1, cancelled 0/);
    expect(list.stdout).toContain('provider said no');
    const failed = runCli(['tasks', '--status', 'failed', '--json', ...target]);
    expect(failed.code, failed.stderr).toBe(0);
    const parsed = JSON.parse(failed.stdout) as { tasks: { id: string }[] };
    expect(parsed.tasks.map((t) => t.id)).toEqual([failedId]);
    const retried = runCli(['tasks', 'retry', failedId, ...target]);
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stdout).toContain(`${failedId} (cli.broken, tenant ${tenantId}): pending`);
    const cancelled = runCli(['tasks', 'cancel', pendingId, ...target]);
    expect(cancelled.stdout).toContain(': cancelled');
    const again = runCli(['tasks', 'cancel', pendingId, ...target]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('TASK_STATE');
    const bad = runCli(['tasks', 'retry', ...target]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('usage: tenantdb tasks');
    const limit = runCli(['tasks', '--limit', '0', ...target]);
    expect(limit.stderr).toContain('--limit must be an integer');
  });
});
