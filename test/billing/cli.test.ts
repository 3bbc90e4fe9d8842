/** `tenantdb rollup` and `tenantdb budgets check`: the cron commands, spawned as cron runs them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCosts, setBudget } from '../../src/billing/index.ts';
import { createDatabase, provisionTenant, type Database } from '../../src/index.ts';
import { createTestDatabase, isServer, type TestDatabase } from '../helpers/backend.ts';
import { systemOf, tenantOf } from '../helpers/tenants.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = fileURLToPath(new URL('../../bin/tenantdb.js', import.meta.url));

function run(args: string[]) {
  const result = spawnSync('node', [bin, ...args], {
    cwd: root,
    encoding: 'utf8',
    timeout: 180_000,
    env: { ...process.env, DATABASE_URL: undefined },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

let dir: string;
let server: TestDatabase | undefined;
let target: string[];
let tenantId: string;

/** The test's own connection, closed before the CLI opens the PGlite directory. */
async function open<T>(fn: (db: Database) => Promise<T>): Promise<T> {
  if (server) return fn(server.db);
  const db = await createDatabase({ dataDir: `${dir}/db` });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

beforeAll(async () => {
  dir = mkdtempSync(`${tmpdir()}/tenantdb-billing-cli-`);
  server = isServer ? await createTestDatabase() : undefined;
  target = server ? ['--url', server.url as string] : ['--data-dir', `${dir}/db`];
  if (!server) expect(run(['migrate', ...target]).code).toBe(0);
  tenantId = await open(async (db) => {
    const { tenant } = await provisionTenant(systemOf(db), { name: 'Cron', slug: `cron-${Date.now()}` });
    await setBudget(systemOf(db), tenant.id, { monthly: '1.00' });
    await recordCosts(tenantOf(db, { tenantId: tenant.id }), [
      { service: 'llm', costUsd: '0.900000', occurredAt: new Date() },
    ]);
    return tenant.id;
  });
});
afterAll(async () => {
  await server?.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('tenantdb rollup', () => {
  it('writes the summaries with progress, then nothing on a rerun; a bad period exits 1', () => {
    const first = run(['rollup', ...target]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/day: [1-9]\d* summaries written \(incremental\)/);
    expect(first.stdout).toMatch(/month: [1-9]\d* summaries written \(incremental\)/);
    expect(first.stderr).toContain('periods 3/3 (100%)');
    const again = run(['rollup', '--period', 'week', '--json', ...target]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([{ period: 'week', summaries: 0, mode: 'incremental' }]);
    const rebuilt = run(['rollup', '--period=day', '--since', '2020-01-01', ...target]);
    expect(rebuilt.stdout).toMatch(/day: [1-9]\d* summaries written \(full\)/);
    const bad = run(['rollup', '--period', 'year', ...target]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--period must be day, week or month');
  });
});

describe('tenantdb budgets check', () => {
  it('prints the due alerts; --mark-sent counts them sent, so the next run has none', async () => {
    const first = run(['budgets', 'check', ...target]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`WARNING tenant ${tenantId}: monthly spend 0.900000 USD reached 80% (0.80 USD)`);
    expect(first.stdout).toContain(`WARNING tenant ${tenantId}: monthly spend 0.900000 USD reached 50% (0.50 USD)`);
    const sent = run(['budgets', 'check', '--mark-sent', ...target]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/[1-9]\d* marked sent/);
    const after = run(['budgets', 'check', '--json', ...target]);
    const report = JSON.parse(after.stdout) as { pending: { tenantId: string }[] };
    expect(report.pending.filter((p) => p.tenantId === tenantId)).toEqual([]);
    const counts = await open((db) =>
      db.rawQuery<{ n: number }>('select notifications_sent as n from budget_alerts where tenant_id = $1', [tenantId]),
    );
    expect(counts.map((c) => c.n)).toEqual([1, 1]);
    expect(run(['budgets', 'frob', ...target]).stderr).toContain('usage: tenantdb budgets check');
  });
});
