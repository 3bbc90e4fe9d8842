/**
 * A worker's cycle in one call (system work): the completions it has, then the claim for its free
 * slots, in one statement in a system context of its own — one round trip where completeTasks
 * and claimTasks take two. SQL in migrations/0019 (`tenantdb.complete_and_claim`).
 */
import { param, sql } from 'drizzle-orm';
import { requireSystemScope, type SystemScope } from '../tenancy/index.ts';
import { checkClaim, claimedFromRow, type ClaimedTask, type ClaimInput, type HeldTask } from './claim.ts';
import { completionItems, type TaskResult } from './finish.ts';
import { fail } from './task.ts';

export interface CompleteAndClaimInput extends ClaimInput {
  /** The tasks to complete first, each with its result (see completeTasks). */
  tasks: readonly { task: HeldTask; result?: TaskResult }[];
}

/**
 * Completes `tasks` (as {@link completeTasks}: exactly once, with their agent results and cost
 * events) and then claims up to `limit` tasks (as {@link claimTasks}: tenant-fair, leased) in one
 * statement. Resolves to the ids completed and the tasks claimed. If the completion is refused
 * (a tenant's budget hard limit refusing a cost event), nothing is completed or claimed: complete
 * those tasks one by one with completeTasks.
 *
 * @example
 * const { completed, claimed } = await completeAndClaim(system, { workerId, limit: 10, lease: 30_000, tasks: done });
 */
export async function completeAndClaim(
  scope: SystemScope,
  input: CompleteAndClaimInput,
): Promise<{ completed: string[]; claimed: ClaimedTask[] }> {
  const fn = 'completeAndClaim';
  const system = requireSystemScope(scope, fn);
  if (input === null || typeof input !== 'object') fail(fn, 'pass { workerId, limit, lease, types?, tasks }.');
  const { workerId, limit, lease, types } = checkClaim(fn, input);
  const items = completionItems(fn, input.tasks);
  const [row] = await system.statement<{ completed: string[] | string; claimed: Record<string, unknown>[] | string }>(
    sql`select completed, claimed from tenantdb.complete_and_claim(${workerId}, ${JSON.stringify(items)}::jsonb,
          ${limit}::int, ${lease}::int, ${param(types)}::text[])`,
  );
  const completed = typeof row?.completed === 'string' ? parseUuidArray(row.completed) : (row?.completed ?? []);
  const claimed =
    typeof row?.claimed === 'string' ? (JSON.parse(row.claimed) as Record<string, unknown>[]) : row?.claimed;
  return { completed, claimed: (claimed ?? []).map(claimedFromRow) };
}

/** `{a,b}` (a uuid[] in text form, as a driver without array parsing returns it). */
function parseUuidArray(text: string): string[] {
  const inner = text.replace(/^\{|\}$/g, '');
  return inner === '' ? [] : inner.split(',');
}
