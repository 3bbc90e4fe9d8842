/** Enqueueing: tasks are rows of the tenant's `tasks` table, written under RLS like any row. */
import { param, sql } from 'drizzle-orm';
import { isUuid, requireTenantScope, rowsOf, validateValues, type TenantScope } from '../tenancy/index.ts';
import {
  checkInteger,
  checkType,
  describe,
  fail,
  TASK_PRIORITIES,
  taskFromRow,
  type Task,
  type TaskPriority,
} from './task.ts';

export interface EnqueueInput {
  /** What the task is: a worker runs it with `handlers[type]`. */
  type: string;
  /** The handler's input (a JSON object). Default `{}`. */
  payload?: Record<string, unknown>;
  /** `low`, `normal` (default), `high` or `urgent`: within the tenant, higher runs first. */
  priority?: TaskPriority;
  /** Not before this time. Default now. */
  runAt?: Date;
  /** The dashboard module the task belongs to. */
  moduleSlug?: string | null;
  /** A connector of the same tenant. */
  connectorId?: string | null;
  /** Attempts before the task is failed for good, 1–1000. Default 3. */
  maxAttempts?: number;
  /**
   * Makes enqueueing idempotent in the tenant: a task with the same key (in any status) is returned
   * instead of a new one being queued, e.g. `report:2026-12-01`.
   */
  dedupeKey?: string | null;
}

const KEYS = ['type', 'payload', 'priority', 'runAt', 'moduleSlug', 'connectorId', 'maxAttempts', 'dedupeKey'];

function checkInput(fn: string, input: EnqueueInput, at: string) {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail(fn, `${at} must be an object.`);
  const unknown = Object.keys(input).filter((k) => !KEYS.includes(k));
  if (unknown.length > 0) fail(fn, `${at} has unknown keys (${unknown.join(', ')}): pass { ${KEYS.join('?, ')}? }.`);
  const type = checkType(fn, `${at}.type`, input.type);
  const payload = input.payload ?? {};
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload)) {
    fail(fn, `${at}.payload must be a JSON object.`);
  }
  const priority = input.priority ?? 'normal';
  if (!TASK_PRIORITIES.includes(priority)) {
    fail(fn, `${at}.priority must be one of ${TASK_PRIORITIES.join(', ')} (got ${describe(priority)}).`);
  }
  if (input.runAt !== undefined && !(input.runAt instanceof Date && Number.isFinite(input.runAt.getTime()))) {
    fail(fn, `${at}.runAt must be a valid Date.`);
  }
  const connectorId = input.connectorId ?? null;
  if (connectorId !== null && !isUuid(connectorId)) fail(fn, `${at}.connectorId must be a UUID.`);
  const moduleSlug = input.moduleSlug ?? null;
  if (moduleSlug !== null && (typeof moduleSlug !== 'string' || moduleSlug === '')) {
    fail(fn, `${at}.moduleSlug must be a non-empty string.`);
  }
  const dedupeKey = input.dedupeKey ?? null;
  if (dedupeKey !== null && (typeof dedupeKey !== 'string' || dedupeKey === '' || dedupeKey.length > 500)) {
    fail(fn, `${at}.dedupeKey must be a string of 1–500 characters.`);
  }
  const maxAttempts = checkInteger(fn, `${at}.maxAttempts`, input.maxAttempts ?? 3, 1, 1000);
  return { type, payload, priority, runAt: input.runAt, moduleSlug, connectorId, dedupeKey, maxAttempts };
}

/**
 * Queues tasks for the scope's tenant, in one statement: each is `pending` until a worker claims
 * it. A task whose `dedupeKey` the tenant has used before (or that repeats one of the batch) is
 * not queued again: its existing task is returned in its place. Resolves to one task per input,
 * in input order. INVALID_INPUT before any SQL for a bad input; CROSS_TENANT_REFERENCE for a
 * connector of another tenant.
 *
 * @example
 * const [sync, report] = await enqueueMany(tenant, [
 *   { type: 'connector.sync', connectorId, priority: 'high' },
 *   { type: 'report.weekly', dedupeKey: 'report:2026-W49', runAt: new Date('2026-12-07T06:00:00Z') },
 * ]);
 */
export async function enqueueMany(scope: TenantScope, inputs: readonly EnqueueInput[]): Promise<Task[]> {
  const fn = 'enqueueMany';
  const tenant = requireTenantScope(scope, fn);
  if (!Array.isArray(inputs)) fail(fn, 'pass an array of { type, payload?, … }.');
  if (inputs.length > 10_000) fail(fn, `at most 10,000 tasks per call (got ${inputs.length}).`);
  const { tenantId } = tenant.context;
  const checked = inputs.map((input, i) => checkInput(fn, input, `tasks[${i}]`));
  // One row per dedupe key: a statement cannot insert-or-update one row twice.
  const seen = new Set<string>();
  const unique = checked.filter((c) => c.dedupeKey === null || (!seen.has(c.dedupeKey) && seen.add(c.dedupeKey)));
  if (unique.length === 0) return [];
  // One array per column: nine bound parameters whatever the batch size (building a multi-row
  // VALUES in JavaScript costs more than the insert: see recordCosts).
  const columns = {
    type: [] as string[],
    payload: [] as string[],
    priority: [] as string[],
    maxAttempts: [] as number[],
    moduleSlug: [] as (string | null)[],
    connectorId: [] as (string | null)[],
    dedupeKey: [] as (string | null)[],
    runAt: [] as (string | null)[],
  };
  for (const c of unique) {
    validateValues('tasks', { type: c.type, payload: c.payload, moduleSlug: c.moduleSlug, dedupeKey: c.dedupeKey });
    columns.type.push(c.type);
    columns.payload.push(JSON.stringify(c.payload));
    columns.priority.push(c.priority);
    columns.maxAttempts.push(c.maxAttempts);
    columns.moduleSlug.push(c.moduleSlug);
    columns.connectorId.push(c.connectorId);
    columns.dedupeKey.push(c.dedupeKey);
    columns.runAt.push(c.runAt?.toISOString() ?? null);
  }
  const rows = await tenant.statement(async (db) =>
    rowsOf<Record<string, unknown>>(
      await db.execute(sql`
        insert into public.tasks as t
          (tenant_id, type, payload, priority, max_attempts, module_slug, connector_id, dedupe_key, run_at)
        select ${tenantId}::uuid, e.type, e.payload::jsonb, e.priority::public.task_priority, e.max_attempts,
               e.module_slug, e.connector_id, e.dedupe_key, coalesce(e.run_at, now())
        from unnest(${param(columns.type)}::text[], ${param(columns.payload)}::text[],
                    ${param(columns.priority)}::text[], ${param(columns.maxAttempts)}::int[],
                    ${param(columns.moduleSlug)}::text[], ${param(columns.connectorId)}::uuid[],
                    ${param(columns.dedupeKey)}::text[], ${param(columns.runAt)}::timestamptz[])
          as e(type, payload, priority, max_attempts, module_slug, connector_id, dedupe_key, run_at)
        -- An existing key returns its task (the no-op update is what makes RETURNING include it).
        on conflict (tenant_id, dedupe_key) where dedupe_key is not null do update set dedupe_key = excluded.dedupe_key
        returning t.*`),
    ),
  );
  const written = rows.map(taskFromRow);
  const byKey = new Map(written.filter((t) => t.dedupeKey !== null).map((t) => [t.dedupeKey, t]));
  const fresh = written.filter((t) => t.dedupeKey === null);
  let next = 0;
  return checked.map((c) => (c.dedupeKey === null ? (fresh[next++] as Task) : (byKey.get(c.dedupeKey) as Task)));
}

/**
 * Queues one task for the scope's tenant (see {@link enqueueMany}); with a `dedupeKey` the tenant
 * has used before, resolves to that task instead.
 *
 * @example
 * const task = await enqueue(tenant, { type: 'connector.sync', payload: { days: 7 }, connectorId });
 */
export async function enqueue(scope: TenantScope, input: EnqueueInput): Promise<Task> {
  const [task] = await enqueueMany(scope, [input]);
  return task as Task;
}
