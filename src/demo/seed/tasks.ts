/** The tenant's task history, queued by its admin (the queue API arrives with the tasks module). */
import { daysAgo, daysFromNow } from '../data/helpers.ts';
import type { SampleTenantSpec } from '../data/spec.ts';
import { sampleTasks } from '../data/workspace.ts';
import type { ActivityInputs } from '../data/activity.ts';
import type { SeedScope } from './scope.ts';

export async function seedTasks(
  scope: SeedScope,
  spec: SampleTenantSpec,
  adminId: string,
  connectors: Map<string, string>,
): Promise<ActivityInputs['tasks']> {
  const specs = sampleTasks(spec);
  const rows = await scope.tables.tasks.insert(
    specs.map((t) => {
      const runAt = t.at < 0 ? daysFromNow(-t.at) : daysAgo(t.at);
      const done = t.status === 'completed' || t.status === 'failed';
      return {
        type: t.type,
        status: t.status,
        priority: t.type === 'report.weekly' ? ('high' as const) : ('normal' as const),
        payload: { persona: t.agent, range: 'last_7_days', ...(t.provider ? { provider: t.provider } : {}) },
        attempts: t.status === 'failed' ? 3 : done ? 1 : 0,
        runAt,
        startedAt: done ? runAt : null,
        completedAt: done ? new Date(runAt.getTime() + 40_000) : null,
        error: t.status === 'failed' ? 'Sync failed after 3 attempts: 401 Unauthorized from the provider' : null,
        moduleSlug: t.moduleSlug,
        connectorId: (t.provider && connectors.get(t.provider)) ?? null,
        createdBy: adminId,
      };
    }),
  );
  return rows.map((row, i) => ({
    id: row.id,
    status: row.status,
    moduleSlug: row.moduleSlug,
    type: row.type,
    agent: specs[i]!.agent,
  }));
}
