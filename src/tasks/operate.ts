/** Operators' work on the queue across tenants (system scope): list, retry, cancel. The CLI's `tenantdb tasks`. */
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { tasks } from '../schema/operations.ts';
import { isUuid, requireSystemScope, type SystemScope } from '../tenancy/index.ts';
import { CANCELLABLE, CANCELLED, notChanged } from './cancel.ts';
import { checkInteger, checkType, describe, fail, TASK_STATUSES, type Task, type TaskStatus } from './task.ts';

export interface QueueFilter {
  tenantId?: string;
  status?: TaskStatus;
  type?: string;
  /** At most this many, newest first, 1–1000. Default 50. */
  limit?: number;
}

/**
 * Tasks of every tenant (or one), newest first, for operators: optionally of one status and type.
 *
 * @example
 * const failed = await listQueue(system, { status: 'failed', limit: 20 });
 */
export async function listQueue(scope: SystemScope, filter: QueueFilter = {}): Promise<Task[]> {
  const fn = 'listQueue';
  const system = requireSystemScope(scope, fn);
  const nothing = 'Nothing was read.';
  if (filter.tenantId !== undefined && !isUuid(filter.tenantId)) fail(fn, 'tenantId must be a UUID.', nothing);
  if (filter.status !== undefined && !TASK_STATUSES.includes(filter.status)) {
    fail(fn, `status must be one of ${TASK_STATUSES.join(', ')} (got ${describe(filter.status)}).`, nothing);
  }
  const type = filter.type === undefined ? undefined : checkType(fn, 'type', filter.type);
  const limit = checkInteger(fn, 'limit', filter.limit ?? 50, 1, 1000);
  return system.transaction((tx) =>
    tx
      .select()
      .from(tasks)
      .where(
        and(
          filter.tenantId === undefined ? undefined : eq(tasks.tenantId, filter.tenantId),
          filter.status === undefined ? undefined : eq(tasks.status, filter.status),
          type === undefined ? undefined : eq(tasks.type, type),
        ),
      )
      .orderBy(desc(tasks.createdAt), desc(tasks.id))
      .limit(limit),
  );
}

/** How many tasks are in each status, across tenants. */
export async function queueCounts(scope: SystemScope): Promise<Record<TaskStatus, number>> {
  const system = requireSystemScope(scope, 'queueCounts');
  const rows = await system.transaction((tx) =>
    tx
      .select({ status: tasks.status, n: sql<number>`count(*)::int` })
      .from(tasks)
      .groupBy(tasks.status),
  );
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.n);
  return counts;
}

async function change(
  scope: SystemScope,
  fn: string,
  id: string,
  from: readonly TaskStatus[],
  set: Record<string, unknown>,
) {
  const system = requireSystemScope(scope, fn);
  if (!isUuid(id)) fail(fn, `id must be a UUID (got ${describe(id)}).`);
  return system.transaction(async (tx) => {
    const [task] = await tx
      .update(tasks)
      .set(set)
      .where(and(eq(tasks.id, id), inArray(tasks.status, [...from])))
      .returning();
    if (task) return task;
    const [now] = await tx.select({ status: tasks.status }).from(tasks).where(eq(tasks.id, id));
    return notChanged(fn, id, now?.status, from.join(' or '));
  });
}

/** What can be retried by an operator: a task that failed or was cancelled. */
const RETRYABLE: readonly TaskStatus[] = ['failed', 'cancelled'];

/**
 * Queues a failed or cancelled task again (any tenant's), with its attempts reset: pending at
 * once. TASK_NOT_FOUND for an unknown id, TASK_STATE for a task that is not failed or cancelled.
 *
 * @example
 * await retryTask(system, id);
 */
export function retryTask(scope: SystemScope, id: string): Promise<Task> {
  return change(scope, 'retryTask', id, RETRYABLE, {
    status: 'pending',
    attempts: 0,
    runAt: sql`now()`,
    completedAt: null,
    updatedAt: sql`now()`,
  });
}

/**
 * Cancels a pending or running task of any tenant (see `cancelTask` for a tenant's own).
 *
 * @example
 * await cancelQueuedTask(system, id);
 */
export function cancelQueuedTask(scope: SystemScope, id: string): Promise<Task> {
  return change(scope, 'cancelQueuedTask', id, CANCELLABLE, CANCELLED);
}
