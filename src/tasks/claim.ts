/**
 * Claiming (system work): the tenant-fair claim with leases, the heartbeat that extends them and
 * the release that hands unfinished tasks back. SQL in migrations/0019 (`tenantdb.claim_tasks`).
 */
import { param, sql } from 'drizzle-orm';
import { isUuid, requireSystemScope, rowsOf, type SystemScope } from '../tenancy/index.ts';
import { checkInteger, checkTypes, checkWorkerId, fail, taskFromRow, type Task } from './task.ts';

export interface ClaimInput {
  /** Who claims: the lease holder, shown in `tasks.locked_by`. */
  workerId: string;
  /** At most this many tasks, 1–1000. */
  limit: number;
  /** The lease, in milliseconds (at least 100): past it without a heartbeat, the task is claimed again. */
  lease: number;
  /** Only tasks of these types (a worker passes the types it has handlers for). Default all. */
  types?: readonly string[];
}

/** A claimed task: running, leased to the worker, in its `attempt` (1 for the first run). */
export type ClaimedTask = Task & { readonly attempt: number };

/**
 * Claims up to `limit` ready tasks (`pending`, `runAt` reached) of ACTIVE and TRIAL tenants with
 * `FOR UPDATE SKIP LOCKED`, tenant-fair: the batch is dealt out round-robin over the tenants with
 * work, fewest running first, so one tenant's 10,000 queued tasks cannot starve others'. Within a
 * tenant, priority then `runAt` then id. A tenant's `max_concurrent_tasks` (its plan) is honoured
 * across all workers (a per-tenant lock, tried, under which its running count is read again);
 * claimers otherwise run concurrently. Expired leases are recovered first: their tasks are
 * queued again (or failed, out of attempts). Each claimed task is `running`, its `attempts`
 * counting this run, leased to `workerId` for `lease` ms.
 *
 * @example
 * const claimed = await claimTasks(system, { workerId: 'worker-1', limit: 10, lease: 30_000 });
 */
export async function claimTasks(scope: SystemScope, input: ClaimInput): Promise<ClaimedTask[]> {
  const fn = 'claimTasks';
  const system = requireSystemScope(scope, fn);
  const { workerId, limit, lease, types } = checkClaim(fn, input);
  // One statement in a system context of its own: one round trip on a system client.
  const rows = await system.statement<Record<string, unknown>>(
    sql`select * from tenantdb.claim_tasks(${workerId}, ${limit}::int, ${lease}::int, ${param(types)}::text[])`,
  );
  return rows.map(claimedFromRow);
}

/** A claim's input, checked (INVALID_INPUT before any SQL). */
export function checkClaim(fn: string, input: ClaimInput) {
  if (input === null || typeof input !== 'object') {
    fail(fn, 'pass { workerId, limit, lease, types? }.', 'Nothing was claimed.');
  }
  return {
    workerId: checkWorkerId(fn, input.workerId),
    limit: checkInteger(fn, 'limit', input.limit, 1, 1000),
    lease: checkInteger(fn, 'lease', input.lease, 100, 86_400_000),
    types: checkTypes(fn, input.types),
  };
}

/** A claimed row (of `tenantdb.claim_tasks`, or one of its JSON array) as the typed claimed task. */
export function claimedFromRow(row: Record<string, unknown>): ClaimedTask {
  const task = taskFromRow(row);
  return Object.assign(task, { attempt: task.attempts });
}

/** A task a worker holds: its id, tenant and the attempt it claimed. */
export interface HeldTask {
  id: string;
  tenantId: string;
  attempt: number;
}

/**
 * The rows the worker still holds in the attempts it claimed. Plain filters (no join), so Citus
 * sends it to every shard as is; the tenant ids keep each shard's index scan to its tenants.
 * `attempts::text`: text || integer is a STABLE operator, which Citus refuses in an UPDATE over
 * several shards; text || text is immutable.
 */
function heldBy(workerId: string, held: readonly HeldTask[]) {
  return sql`t.tenant_id = any(${param(held.map((h) => h.tenantId))}::uuid[]) and t.id = any(${param(held.map((h) => h.id))}::uuid[])
          and t.status = 'running' and t.locked_by = ${workerId}
          and (t.id::text || ':' || t.attempts::text) = any(${param(held.map((h) => `${h.id}:${h.attempt}`))}::text[])`;
}

/** A task the worker says it holds (INVALID_INPUT before any SQL): its id, tenant and attempt. */
export function checkHeldTask(fn: string, task: HeldTask, at: string): HeldTask {
  if (task === null || typeof task !== 'object' || !isUuid(task.id) || !isUuid(task.tenantId)) {
    fail(fn, `${at} must be a claimed task ({ id, tenantId, attempt }).`);
  }
  checkInteger(fn, `${at}.attempt`, task.attempt, 1, 1_000_000);
  return { id: task.id, tenantId: task.tenantId, attempt: task.attempt };
}

function checkHeld(fn: string, held: readonly HeldTask[]): HeldTask[] {
  if (!Array.isArray(held)) fail(fn, 'pass an array of the claimed tasks ({ id, tenantId, attempt }).');
  return held.map((h, i) => checkHeldTask(fn, h, `tasks[${i}]`));
}

/**
 * Extends the leases of tasks the worker still holds to `lease` ms from now. Resolves to the ids
 * extended: a task missing from it was lost (its lease expired and it was claimed again, or it
 * was cancelled), and its handler's result will be refused.
 *
 * @example
 * const kept = await heartbeatTasks(system, { workerId, lease: 30_000, tasks: running });
 */
export async function heartbeatTasks(
  scope: SystemScope,
  input: { workerId: string; lease: number; tasks: readonly HeldTask[] },
): Promise<string[]> {
  const fn = 'heartbeatTasks';
  const system = requireSystemScope(scope, fn);
  const workerId = checkWorkerId(fn, input?.workerId);
  const lease = checkInteger(fn, 'lease', input.lease, 100, 86_400_000);
  const held = checkHeld(fn, input.tasks);
  if (held.length === 0) return [];
  const rows = await system.statement<{ id: string }>(sql`
    update public.tasks t set locked_until = now() + ${lease}::int * interval '1 millisecond'
    where ${heldBy(workerId, held)}
    returning t.id`);
  return rows.map((r) => r.id);
}

/**
 * Hands tasks the worker holds back to the queue (a worker shutting down with handlers it cannot
 * finish): pending again, claimable at once, the attempt not counted. Resolves to the ids released.
 *
 * @example
 * await releaseTasks(system, { workerId, tasks: unfinished });
 */
export async function releaseTasks(
  scope: SystemScope,
  input: { workerId: string; tasks: readonly HeldTask[] },
): Promise<string[]> {
  const fn = 'releaseTasks';
  const system = requireSystemScope(scope, fn);
  const workerId = checkWorkerId(fn, input?.workerId);
  const held = checkHeld(fn, input.tasks);
  if (held.length === 0) return [];
  const rows = await system.transaction(async (tx) => {
    const released = rowsOf<{ id: string }>(
      await tx.execute(sql`
        update public.tasks t set status = 'pending', attempts = t.attempts - 1, locked_by = null,
               locked_until = null, run_at = now(), updated_at = now()
        where ${heldBy(workerId, held)}
        returning t.id`),
    );
    // The wake-up for the other workers (not on Citus: see migrations/0019).
    if (released.length > 0) {
      await tx.execute(
        sql`select pg_notify('tenantdb_task', '') where to_regclass('pg_catalog.pg_dist_partition') is null`,
      );
    }
    return released;
  });
  return rows.map((r) => r.id);
}
