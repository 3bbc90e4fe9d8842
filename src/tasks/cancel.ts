/** Cancelling: a tenant stops its own tasks; an operator (system scope) any tenant's. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { tasks } from '../schema/operations.ts';
import { isUuid, requireTenantScope, type TenantScope } from '../tenancy/index.ts';
import { fail, type Task, type TaskStatus } from './task.ts';

/** What can still be cancelled: a task that has not finished. */
export const CANCELLABLE: readonly TaskStatus[] = ['pending', 'running'];

/** The values a cancelled task gets: no lease, so a worker still running it cannot complete it. */
export const CANCELLED = {
  status: 'cancelled' as const,
  completedAt: sql`now()`,
  lockedBy: null,
  lockedUntil: null,
  updatedAt: sql`now()`,
};

/** TASK_NOT_FOUND or TASK_STATE for a task that could not be changed (`status` is what it is now). */
export function notChanged(fn: string, id: string, status: TaskStatus | undefined, wanted: string): never {
  if (status === undefined)
    throw new TenantDbError('TASK_NOT_FOUND', `${fn}: task ${id} does not exist in this tenant.`);
  throw new TenantDbError(
    'TASK_STATE',
    `${fn}: task ${id} is ${status}; only a task that is ${wanted} can be changed so.`,
  );
}

/**
 * Cancels a pending or running task of the scope's tenant: it is not claimed again, and a worker
 * still running it can no longer complete it (its result is dropped). Resolves to the cancelled
 * task. TASK_NOT_FOUND for an id that is not a task of this tenant (another tenant's task is
 * invisible), TASK_STATE for one that has already finished.
 *
 * @example
 * await cancelTask(tenant, task.id);
 */
export async function cancelTask(scope: TenantScope, id: string): Promise<Task> {
  const fn = 'cancelTask';
  const tenant = requireTenantScope(scope, fn);
  if (!isUuid(id)) fail(fn, `id must be a UUID (got ${typeof id}).`);
  const { tenantId } = tenant.context;
  return tenant.transaction(async (tx) => {
    const [task] = await tx
      .update(tasks)
      .set(CANCELLED)
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id), inArray(tasks.status, [...CANCELLABLE])))
      .returning();
    if (task) return task;
    const [now] = await tx
      .select({ status: tasks.status })
      .from(tasks)
      .where(and(eq(tasks.tenantId, tenantId), eq(tasks.id, id)));
    return notChanged(fn, id, now?.status, CANCELLABLE.join(' or '));
  });
}
