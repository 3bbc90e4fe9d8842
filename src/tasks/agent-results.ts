/** Agent results: what an agent produced for a task that ran (completed or failed). */
import { and, eq, inArray } from 'drizzle-orm';
import { checkMoney } from '../billing/index.ts';
import { TenantDbError } from '../errors.ts';
import { persona } from '../schema/enums.ts';
import { agentResults, tasks } from '../schema/operations.ts';
import { isUuid, requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';

export type AgentResult = typeof agentResults.$inferSelect;

export interface AgentResultInput {
  /** A task of the same tenant that has completed or failed. */
  taskId: string;
  agent: AgentResult['agent'];
  status: AgentResult['status'];
  summary?: string | null;
  output?: Record<string, unknown>;
  tokensUsed?: number | null;
  /** USD as a decimal string with at most 6 decimals: never a float. */
  costUsd?: string | null;
}

const AGENTS: readonly string[] = persona.enumValues;
const STATUSES: readonly string[] = ['success', 'partial', 'failure'] satisfies AgentResult['status'][];
/** Only a task that ran has a result. */
const FINISHED: readonly string[] = ['completed', 'failed'];
const MAX_INT = 2_147_483_647;

function checkResult(result: AgentResultInput, i: number): AgentResultInput {
  const at = `recordAgentResults: results[${i}]`;
  if (result === null || typeof result !== 'object')
    throw new TenantDbError('INVALID_INPUT', `${at} must be an object.`);
  if (!isUuid(result.taskId)) {
    throw new TenantDbError('INVALID_INPUT', `${at}.taskId must be a UUID (got ${typeof result.taskId}).`);
  }
  if (!AGENTS.includes(result.agent)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${at}.agent must be one of ${AGENTS.join(', ')} (got ${JSON.stringify(result.agent)}).`,
    );
  }
  if (!STATUSES.includes(result.status)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${at}.status must be one of ${STATUSES.join(', ')} (got ${JSON.stringify(result.status)}).`,
    );
  }
  if (result.output !== undefined && (result.output === null || typeof result.output !== 'object')) {
    throw new TenantDbError('INVALID_INPUT', `${at}.output must be an object.`);
  }
  const tokens = result.tokensUsed;
  if (tokens != null && !(Number.isInteger(tokens) && tokens >= 0 && tokens <= MAX_INT)) {
    throw new TenantDbError('INVALID_INPUT', `${at}.tokensUsed must be a non-negative integer (got ${tokens}).`);
  }
  if (result.costUsd != null) checkMoney(result.costUsd, `${at}.costUsd`, { precision: 14, scale: 6 });
  return result;
}

/**
 * Records agent results for tasks of the scope's tenant, in one transaction. Each task must
 * exist in this tenant (another tenant's task is invisible here, so it is refused like a missing
 * one) and have finished: a pending or running task has no result yet. Returns the rows.
 *
 * @example
 * await recordAgentResults(tenant, [
 *   { taskId, agent: 'cmo', status: 'success', summary: 'Synced 7 days', output: { records: 412 }, costUsd: '0.021600' },
 * ]);
 */
export async function recordAgentResults(
  scope: TenantScope,
  results: readonly AgentResultInput[],
): Promise<AgentResult[]> {
  const tenant = requireTenantScope(scope, 'recordAgentResults');
  if (!Array.isArray(results))
    throw new TenantDbError('INVALID_INPUT', 'recordAgentResults: results must be an array.');
  const { tenantId } = tenant.context;
  const rows = results.map((result, i) => {
    const r = checkResult(result, i);
    const row = {
      tenantId,
      taskId: r.taskId,
      agent: r.agent,
      status: r.status,
      summary: r.summary ?? null,
      output: r.output ?? {},
      tokensUsed: r.tokensUsed ?? null,
      costUsd: r.costUsd ?? null,
    };
    validateValues('agent_results', row);
    return row;
  });
  if (rows.length === 0) return [];
  return tenant.transaction(async (tx) => {
    const ids = [...new Set(rows.map((r) => r.taskId))];
    const found = await tx
      .select({ id: tasks.id, status: tasks.status })
      .from(tasks)
      .where(and(eq(tasks.tenantId, tenantId), inArray(tasks.id, ids)));
    const status = new Map(found.map((t) => [t.id, t.status]));
    for (const id of ids) {
      const s = status.get(id);
      if (s === undefined) {
        throw new TenantDbError('INVALID_INPUT', `recordAgentResults: task ${id} does not exist in this tenant.`);
      }
      if (!FINISHED.includes(s)) {
        throw new TenantDbError(
          'INVALID_INPUT',
          `recordAgentResults: task ${id} is ${s}; record its result once it has completed or failed.`,
        );
      }
    }
    return tx.insert(agentResults).values(rows).returning();
  });
}
