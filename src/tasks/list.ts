/** The tenant's tasks, newest first, on the one keyset helper. */
import { and, eq, getTableColumns, inArray } from 'drizzle-orm';
import { tasks } from '../schema/operations.ts';
import { isUuid, keyset, requireTenantScope, type KeysetResult, type TenantScope } from '../tenancy/index.ts';
import { checkType, describe, fail, TASK_STATUSES, type Task, type TaskStatus } from './task.ts';

export interface ListTasksOptions {
  /** Only tasks in this status (or these). */
  status?: TaskStatus | readonly TaskStatus[];
  /** Only tasks of this type. */
  type?: string;
  moduleSlug?: string;
  connectorId?: string;
  /** Tasks per page, 1–500. Default 50. */
  limit?: number;
  /** The previous page's `nextCursor`. */
  cursor?: string | null;
}

const OPTIONS = ['status', 'type', 'moduleSlug', 'connectorId', 'limit', 'cursor'];

/**
 * The scope's tenant's tasks, newest first, a page at a time (keyset on `(created_at, id)`),
 * optionally of some statuses, one type, one module and one connector. Resolves to
 * `{ items, nextCursor }`. INVALID_INPUT before any SQL for an unknown option or status, a bad
 * limit, and a cursor that was altered or issued for another list or tenant.
 *
 * @example
 * const { items, nextCursor } = await listTasks(tenant, { status: ['pending', 'running'], limit: 20 });
 */
export async function listTasks(scope: TenantScope, options: ListTasksOptions = {}): Promise<KeysetResult<Task>> {
  const fn = 'listTasks';
  const tenant = requireTenantScope(scope, fn);
  const nothing = 'Nothing was read.';
  if (options === null || typeof options !== 'object' || Array.isArray(options))
    fail(fn, 'pass { status?, type?, … }.', nothing);
  const unknown = Object.keys(options).filter((k) => !OPTIONS.includes(k));
  if (unknown.length > 0)
    fail(fn, `unknown options (${unknown.join(', ')}): pass { ${OPTIONS.join('?, ')}? }.`, nothing);
  let statuses: TaskStatus[] | undefined;
  if (options.status !== undefined) {
    statuses = (Array.isArray(options.status) ? [...options.status] : [options.status]) as TaskStatus[];
    const bad = statuses.find((s) => !TASK_STATUSES.includes(s));
    if (statuses.length === 0 || bad !== undefined) {
      fail(
        fn,
        `status must be one or more of ${TASK_STATUSES.join(', ')} (got ${describe(bad ?? options.status)}).`,
        nothing,
      );
    }
  }
  const type = options.type === undefined ? undefined : checkType(fn, 'type', options.type);
  if (options.connectorId !== undefined && !isUuid(options.connectorId))
    fail(fn, 'connectorId must be a UUID.', nothing);
  if (options.moduleSlug !== undefined && typeof options.moduleSlug !== 'string')
    fail(fn, 'moduleSlug must be a string.', nothing);
  const { tenantId } = tenant.context;
  const page = keyset(tasks, { list: 'tasks', tenantId, cursor: options.cursor, limit: options.limit, fn });
  const rows = await tenant.statement((db) =>
    db
      .select({ ...getTableColumns(tasks), ...page.select })
      .from(tasks)
      .where(
        and(
          eq(tasks.tenantId, tenantId),
          statuses === undefined ? undefined : inArray(tasks.status, statuses),
          type === undefined ? undefined : eq(tasks.type, type),
          options.moduleSlug === undefined ? undefined : eq(tasks.moduleSlug, options.moduleSlug),
          options.connectorId === undefined ? undefined : eq(tasks.connectorId, options.connectorId),
          page.where,
        ),
      )
      .orderBy(...page.orderBy)
      .limit(page.fetch),
  );
  return page.result(rows);
}
