/**
 * The demo's task step: each sample tenant queues two agent tasks (as its admin, under RLS), one
 * worker runs them all — each handler in its task's tenant context — and each admin reads back
 * its own results.
 */
import type { Database } from '../db/database.ts';
import { agentResults } from '../schema/operations.ts';
import { createWorker, enqueueMany, listTasks, type TaskHandler } from '../tasks/index.ts';
import { createStatementScope } from '../tenancy/index.ts';
import type { SampleTenant } from './sample-data.ts';

export interface TaskRow {
  tenant: string;
  type: string;
  status: string;
  agent: string;
  summary: string;
  costUsd: string;
  /** Results whose handler saw another tenant's context, or rows of another tenant: must be 0. */
  foreign: number;
}

/** The handlers: each counts what its tenant has, through the tenant scope it is given. */
const HANDLERS: Record<string, TaskHandler> = {
  'report.weekly': async (_task, tenant) => {
    const [row] = await tenant.query<{ conversations: number; tenant: string }>(
      `select count(*)::int as conversations, current_setting('app.current_tenant_id') as tenant from public.conversations`,
    );
    const n = Number(row?.conversations);
    return {
      agent: 'cmo',
      summary: `${n} conversations to report on`,
      output: { conversations: n, contextTenant: row?.tenant },
      tokensUsed: 800 + 40 * n,
      costUsd: ((800 + 40 * n) * 0.000003).toFixed(6),
    };
  },
  'forecast.monthly': async (_task, tenant) => {
    const [row] = await tenant.query<{ events: number; spend: string; tenant: string }>(
      `select count(*)::int as events, coalesce(sum(cost_usd), 0)::text as spend,
              current_setting('app.current_tenant_id') as tenant from public.cost_events`,
    );
    return {
      agent: 'cfo',
      summary: `forecast from ${Number(row?.events)} cost events (${Number(row?.spend).toFixed(2)} USD so far)`,
      output: { events: Number(row?.events), contextTenant: row?.tenant },
      tokensUsed: 1500,
      costUsd: '0.004500',
    };
  },
};

/** Queues each tenant's tasks (idempotent: keyed by the day), runs them with one worker, reads the results. */
export async function runAgentTasks(db: Database, sample: SampleTenant[]): Promise<TaskRow[]> {
  const day = new Date().toISOString().slice(0, 10);
  for (const tenant of sample) {
    const admin = tenant.people.find((p) => p.role === 'owner' || p.role === 'admin');
    const scope = createStatementScope(db, { tenantId: tenant.id, userId: admin?.userId });
    await enqueueMany(
      scope,
      Object.keys(HANDLERS).map((type) => ({ type, dedupeKey: `demo:${type}:${day}`, priority: 'high' as const })),
    );
  }
  const worker = createWorker(db, { handlers: HANDLERS, concurrency: 2, pollInterval: 50, handleSignals: false });
  await worker.start();
  const deadline = Date.now() + 30_000;
  const waiting = async () => {
    let n = 0;
    for (const tenant of sample) {
      const scope = createStatementScope(db, { tenantId: tenant.id });
      n += (await listTasks(scope, { status: ['pending', 'running'], type: 'report.weekly' })).items.length;
      n += (await listTasks(scope, { status: ['pending', 'running'], type: 'forecast.monthly' })).items.length;
    }
    return n;
  };
  while ((await waiting()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  await worker.stop();

  const rows: TaskRow[] = [];
  for (const tenant of sample) {
    const admin = tenant.people.find((p) => p.role === 'owner' || p.role === 'admin');
    const scope = createStatementScope(db, { tenantId: tenant.id, userId: admin?.userId });
    const { items } = await listTasks(scope, { limit: 500 });
    const results = await scope.run((orm) => orm.select().from(agentResults));
    for (const type of Object.keys(HANDLERS)) {
      const task = items.find((t) => t.type === type && t.dedupeKey === `demo:${type}:${day}`);
      const result = results.find((r) => r.taskId === task?.id);
      rows.push({
        tenant: tenant.name,
        type,
        status: task?.status ?? 'missing',
        agent: result?.agent ?? '-',
        summary: result?.summary ?? task?.error ?? '-',
        costUsd: result?.costUsd ? `${result.costUsd} USD` : '-',
        foreign:
          results.filter((r) => r.tenantId !== tenant.id).length +
          (result && result.output.contextTenant !== tenant.id ? 1 : 0),
      });
    }
  }
  return rows;
}
