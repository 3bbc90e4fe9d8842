/**
 * Finishing (system work): completion, which writes the agent result (and the cost event) with
 * the task in one transaction, and failure, which retries with exponential backoff and jitter.
 * Both are refused for a task the worker no longer holds (lease lost, cancelled): a task
 * completes once. SQL of completion in migrations/0019 (`tenantdb.complete_tasks`).
 */
import { sql } from 'drizzle-orm';
import { checkMoney } from '../billing/index.ts';
import { costService, persona } from '../schema/enums.ts';
import { requireSystemScope, rowsOf, validateValues, type SystemScope } from '../tenancy/index.ts';
import { checkHeldTask, type HeldTask } from './claim.ts';
import { checkInteger, checkWorkerId, describe, fail } from './task.ts';

/** What a handler produced: stored as the task's agent result. Every field optional. */
export interface TaskResult {
  /** The agent persona that ran it: `ceo`, `cfo`, `cmo`, `cto` or `custom` (default). */
  agent?: (typeof persona.enumValues)[number];
  /** `success` (default), `partial` or `failure`. */
  status?: 'success' | 'partial' | 'failure';
  summary?: string | null;
  /** A JSON object. Default `{}`. */
  output?: Record<string, unknown>;
  tokensUsed?: number | null;
  /** USD as a decimal string (at most 6 decimals): also recorded as a cost event of the tenant. */
  costUsd?: string | null;
  /** The cost event's service. Default `llm`. */
  service?: (typeof costService.enumValues)[number];
}

const AGENTS: readonly string[] = persona.enumValues;
const SERVICES: readonly string[] = costService.enumValues;
const RESULT_STATUSES: readonly string[] = ['success', 'partial', 'failure'];
const RESULT_KEYS = ['agent', 'status', 'summary', 'output', 'tokensUsed', 'costUsd', 'service'];

function checkResult(fn: string, result: TaskResult | undefined, at: string): TaskResult {
  if (result === undefined || result === null) return {};
  if (typeof result !== 'object' || Array.isArray(result)) fail(fn, `${at} must be an object (or undefined).`);
  const unknown = Object.keys(result).filter((k) => !RESULT_KEYS.includes(k));
  if (unknown.length > 0)
    fail(fn, `${at} has unknown keys (${unknown.join(', ')}): pass { ${RESULT_KEYS.join('?, ')}? }.`);
  if (result.agent !== undefined && !AGENTS.includes(result.agent)) {
    fail(fn, `${at}.agent must be one of ${AGENTS.join(', ')} (got ${describe(result.agent)}).`);
  }
  if (result.status !== undefined && !RESULT_STATUSES.includes(result.status)) {
    fail(fn, `${at}.status must be one of ${RESULT_STATUSES.join(', ')} (got ${describe(result.status)}).`);
  }
  if (result.service !== undefined && !SERVICES.includes(result.service)) {
    fail(fn, `${at}.service must be one of ${SERVICES.join(', ')} (got ${describe(result.service)}).`);
  }
  if (
    result.output !== undefined &&
    (result.output === null || typeof result.output !== 'object' || Array.isArray(result.output))
  ) {
    fail(fn, `${at}.output must be a JSON object.`);
  }
  if (result.summary != null && typeof result.summary !== 'string') fail(fn, `${at}.summary must be a string.`);
  if (result.tokensUsed != null) checkInteger(fn, `${at}.tokensUsed`, result.tokensUsed, 0, 2_147_483_647);
  if (result.costUsd != null) checkMoney(result.costUsd, `${fn}: ${at}.costUsd`, { precision: 12, scale: 6 });
  validateValues('agent_results', { summary: result.summary, output: result.output });
  return result;
}

/** What `tenantdb.complete_tasks` takes: each held task with its checked result (INVALID_INPUT before any SQL). */
export function completionItems(
  fn: string,
  tasks: readonly { task: HeldTask; result?: TaskResult }[],
): (HeldTask & TaskResult)[] {
  if (!Array.isArray(tasks)) fail(fn, 'tasks must be an array of { task, result? }.');
  return tasks.map((item, i) => {
    const task = checkHeldTask(fn, item?.task, `tasks[${i}].task`);
    const result = checkResult(fn, item.result, `tasks[${i}].result`);
    return { ...task, ...result };
  });
}

/** A handler's result, checked as {@link completeTasks} will (INVALID_INPUT when it would be refused). */
export function checkTaskResult(result: TaskResult): TaskResult {
  return checkResult('the handler', result, 'its result');
}

/**
 * Completes tasks the worker holds, each with its result, in one transaction: the task becomes
 * `completed` and its agent result is written (plus a cost event when the result has a `costUsd`).
 * Resolves to the ids completed; a task the worker no longer holds (its lease expired and it was
 * claimed again, or it was cancelled) is left as it is and missing from the answer.
 * INVALID_INPUT before any SQL for a bad result.
 *
 * @example
 * const done = await completeTasks(system, { workerId, tasks: [{ task, result: { summary: 'ok', costUsd: '0.0021' } }] });
 */
export async function completeTasks(
  scope: SystemScope,
  input: { workerId: string; tasks: readonly { task: HeldTask; result?: TaskResult }[] },
): Promise<string[]> {
  const fn = 'completeTasks';
  const system = requireSystemScope(scope, fn);
  const workerId = checkWorkerId(fn, input?.workerId);
  const items = completionItems(fn, input.tasks);
  if (items.length === 0) return [];
  const rows = await system.statement<{ id: string }>(
    sql`select id from tenantdb.complete_tasks(${workerId}, ${JSON.stringify(items)}::jsonb) as id`,
  );
  return rows.map((r) => r.id);
}

/** The retry schedule of a failed attempt: `baseMs · 2^(attempt−1)`, at most `maxMs`, times a jitter. */
export interface RetryPolicy {
  /** Default 1,000 ms. */
  baseMs?: number;
  /** Default one hour. */
  maxMs?: number;
}

export interface FailOutcome {
  /** `retry`: pending again at `runAt`; `failed`: out of attempts (or not retryable), error kept. */
  outcome: 'retry' | 'failed';
  runAt: Date;
}

/** The delay before attempt `attempt + 1`, with ±50 % jitter so failed tasks do not retry in step. */
export function retryDelay(attempt: number, policy: RetryPolicy = {}, random: number = Math.random()): number {
  const base = policy.baseMs ?? 1000;
  const max = policy.maxMs ?? 3_600_000;
  return Math.round(Math.min(max, base * 2 ** Math.max(0, attempt - 1)) * (0.5 + random));
}

/**
 * Records a failed attempt of a task the worker holds: with attempts left (and `retry` not false)
 * it is pending again after an exponential backoff with jitter (see {@link retryDelay}), otherwise
 * `failed` for good; the error is kept in `tasks.error` either way. Resolves to the outcome, or
 * null when the worker no longer holds the task (nothing changed).
 *
 * @example
 * await failTask(system, { workerId, task, error: 'provider timed out' });
 */
export async function failTask(
  scope: SystemScope,
  input: { workerId: string; task: HeldTask; error: string; retry?: boolean; policy?: RetryPolicy },
): Promise<FailOutcome | null> {
  const fn = 'failTask';
  const system = requireSystemScope(scope, fn);
  const workerId = checkWorkerId(fn, input?.workerId);
  const task = checkHeldTask(fn, input.task, 'task');
  if (typeof input.error !== 'string') fail(fn, 'error must be a string (the message kept with the task).');
  const error = input.error.slice(0, 10_000);
  validateValues('tasks', { error });
  const policy = input.policy ?? {};
  if (policy.baseMs !== undefined) checkInteger(fn, 'policy.baseMs', policy.baseMs, 1, 86_400_000);
  if (policy.maxMs !== undefined) checkInteger(fn, 'policy.maxMs', policy.maxMs, 1, 30 * 86_400_000);
  // The delay is computed here: Citus refuses volatile functions (random()) in an UPDATE.
  const delay = input.retry === false ? null : retryDelay(task.attempt, policy);
  // Two plain updates rather than one with now() inside CASE, which Citus refuses.
  const guard = sql`t.tenant_id = ${task.tenantId} and t.id = ${task.id} and t.status = 'running'
          and t.locked_by = ${workerId} and t.attempts = ${task.attempt}`;
  const rows = await system.transaction(async (tx) => {
    const failed = rowsOf<{ status: 'failed'; run_at: string | Date }>(
      await tx.execute(sql`
        update public.tasks t set status = 'failed', completed_at = now(), error = ${error},
               locked_by = null, locked_until = null, updated_at = now()
        where ${guard} and (t.attempts >= t.max_attempts or ${delay === null})
        returning t.status, t.run_at`),
    );
    if (failed.length > 0 || delay === null) return failed;
    return rowsOf<{ status: 'pending'; run_at: string | Date }>(
      await tx.execute(sql`
        update public.tasks t set status = 'pending', run_at = now() + ${delay}::int * interval '1 millisecond',
               error = ${error}, locked_by = null, locked_until = null, updated_at = now()
        where ${guard}
        returning t.status, t.run_at`),
    );
  });
  const [row] = rows;
  if (!row) return null;
  return { outcome: row.status === 'pending' ? 'retry' : 'failed', runAt: new Date(row.run_at) };
}
