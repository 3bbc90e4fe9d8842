/** `tenantdb rollup` and `tenantdb budgets check`: the cron commands, spawned as cron runs them. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCosts, setBudget } from '../../src/billing/index.ts';
import { provisionTenant, type Database } from '../../src/index.ts';
import { createTestDatabase, isServer, type TestDatabase } from '../helpers/backend.ts';
import { bin, openTarget, run } from '../helpers/cli.ts';
import { systemOf, tenantOf } from '../helpers/tenants.ts';

const runCli = (args: string[]) => run('node', [bin, ...args]);

let dir: string;
let server: TestDatabase | undefined;
let target: string[];
let tenantId: string;

const open = <T>(fn: (db: Database) => Promise<T>) => openTarget(server, `${dir}/db`, fn);

beforeAll(async () => {
  dir = mkdtempSync(`${tmpdir()}/tenantdb-billing-cli-`);
  server = isServer ? await createTestDatabase() : undefined;
  target = server ? ['--url', server.url as string] : ['--data-dir', `${dir}/db`];
  if (!server) expect(runCli(['migrate', ...target]).code).toBe(0);
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
    const first = runCli(['rollup', ...target]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/day: [1-9]\d* summaries written \(incremental\)/);
    expect(first.stdout).toMatch(/month: [1-9]\d* summaries written \(incremental\)/);
    expect(first.stderr).toContain('periods 3/3 (100%)');
    const again = runCli(['rollup', '--period', 'week', '--json', ...target]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual([{ period: 'week', summaries: 0, mode: 'incremental' }]);
    const rebuilt = runCli(['rollup', '--period=day', '--since', '2020-01-01', ...target]);
    expect(rebuilt.stdout).toMatch(/day: [1-9]\d* summaries written \(full\)/);
    const bad = runCli(['rollup', '--period', 'year', ...target]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('--period must be day, week or month');
  });
});

describe('tenantdb budgets check', () => {
  it('prints the due alerts; --mark-sent counts them sent, so the next run has none', async () => {
    const first = runCli(['budgets', 'check', ...target]);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain(`WARNING tenant ${tenantId}: monthly spend 0.900000 USD reached 80% (0.80 USD)`);
    expect(first.stdout).toContain(`WARNING tenant ${tenantId}: monthly spend 0.900000 USD reached 50% (0.50 USD)`);
    const sent = runCli(['budgets', 'check', '--mark-sent', ...target]);
    expect(sent.code, sent.stderr).toBe(0);
    expect(sent.stdout).toMatch(/[1-9]\d* marked sent/);
    const after = runCli(['budgets', 'check', '--json', ...target]);
    const report = JSON.parse(after.stdout) as { pending: { tenantId: string }[] };
    expect(report.pending.filter((p) => p.tenantId === tenantId)).toEqual([]);
    const counts = await open((db) =>
      db.rawQuery<{ n: number }>('select notifications_sent as n from budget_alerts where tenant_id = $1', [tenantId]),
    );
    expect(counts.map((c) => c.n)).toEqual([1, 1]);
    expect(runCli(['budgets', 'frob', ...target]).stderr).toContain('usage: tenantdb budgets check');
  });
});
