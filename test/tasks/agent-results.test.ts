/** recordAgentResults: results only for the tenant's own tasks that have finished. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { agentResults, tasks } from '../../src/schema/index.ts';
import { recordAgentResults, type AgentResultInput } from '../../src/tasks/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;
let completed: string;
let failed: string;
let pending: string;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Tasks A');
  b = await ownerContext(db, 'Tasks B');
  const rows = await tenantOf(db, a).tables.tasks.insert([
    { type: 'connector.sync', status: 'completed' },
    { type: 'connector.sync', status: 'failed' },
    { type: 'report.weekly', status: 'pending' },
  ]);
  [completed, failed, pending] = rows.map((r) => r.id) as [string, string, string];
});
afterAll(async () => {
  await t?.dispose();
});

const result = (taskId: string, extra: Partial<AgentResultInput> = {}): AgentResultInput => ({
  taskId,
  agent: 'cmo',
  status: 'success',
  summary: 'Synced 7 days of sessions.',
  output: { records: 412 },
  tokensUsed: 2400,
  costUsd: '0.021600',
  ...extra,
});

const stored = (tenantId: string) =>
  withSystemContext(db, (tx) => tx.select().from(agentResults).where(eq(agentResults.tenantId, tenantId)), {
    reason: 'test: read agent results',
  });

describe('recordAgentResults', () => {
  it('records results of completed and failed tasks, money exact', async () => {
    const rows = await recordAgentResults(tenantOf(db, a), [
      result(completed),
      result(failed, { status: 'failure', output: { error: 'unauthorized' }, tokensUsed: 0, costUsd: '0' }),
    ]);
    expect(rows.map((r) => [r.tenantId, r.taskId, r.status, r.costUsd])).toEqual([
      [a.tenantId, completed, 'success', '0.021600'],
      [a.tenantId, failed, 'failure', '0.000000'],
    ]);
    expect(await recordAgentResults(tenantOf(db, a), [])).toEqual([]);
  });

  it('refuses a task that has not finished, or does not exist', async () => {
    const before = (await stored(a.tenantId)).length;
    expect(await codeOf(recordAgentResults(tenantOf(db, a), [result(completed), result(pending)]))).toBe(
      'INVALID_INPUT',
    );
    expect(await codeOf(recordAgentResults(tenantOf(db, a), [result('00000000-0000-4000-8000-000000000000')]))).toBe(
      'INVALID_INPUT',
    );
    // All or nothing: the completed task's result was not written either.
    expect(await stored(a.tenantId)).toHaveLength(before);
  });

  it('refuses bad input before any SQL: the caller’s transaction stays usable', async () => {
    const bad: [string, unknown][] = [
      ['task id', result('task-1')],
      ['agent', result(completed, { agent: 'cio' as never })],
      ['status', result(completed, { status: 'done' as never })],
      ['float cost', result(completed, { costUsd: 0.02 as never })],
      ['tokens', result(completed, { tokensUsed: -1 })],
    ];
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, input] of bad) {
        expect(await codeOf(recordAgentResults(scope, [input as AgentResultInput])), label).toBe('INVALID_INPUT');
      }
      await tx.select().from(agentResults);
    });
    expect(await codeOf(recordAgentResults(systemOf(db) as never, [result(completed)]))).toBe('TENANT_CONTEXT_MISSING');
  });

  it("joins the caller's transaction: rolled back with it", async () => {
    const before = (await stored(a.tenantId)).length;
    const rolledBack = withTenantContext(db, a, async (tx, scope) => {
      const [row] = await recordAgentResults(scope, [result(completed)]);
      expect(await tx.select().from(agentResults).where(eq(agentResults.id, row!.id))).toHaveLength(1);
      throw new Error('caller fails after recording');
    });
    await expect(rolledBack).rejects.toThrow('caller fails after recording');
    expect(await stored(a.tenantId)).toHaveLength(before);
  });

  it("tenant B cannot record a result for tenant A's task, which B cannot see", async () => {
    // The task is real and finished: A can record for it, and it is there in the system context.
    const [task] = await withSystemContext(db, (tx) => tx.select().from(tasks).where(eq(tasks.id, completed)), {
      reason: 'test: the target exists',
    });
    expect(task?.status).toBe('completed');
    expect(await codeOf(recordAgentResults(tenantOf(db, b), [result(completed)]))).toBe('INVALID_INPUT');
    expect(await stored(b.tenantId)).toEqual([]);
    expect(await tenantOf(db, b).tables.agentResults.count()).toBe(0);
  });
});
