/** Tasks: the results agents produce for the tenant's tasks (the queue itself arrives with the tasks module). */
import type { TenantScope } from '../tenancy/index.ts';
import { recordAgentResults, type AgentResultInput } from './agent-results.ts';

export { recordAgentResults, type AgentResult, type AgentResultInput } from './agent-results.ts';

/** The tenant client's `tasks` namespace. */
export function tasksNamespace(scope: TenantScope) {
  return {
    recordResults: (results: readonly AgentResultInput[]) => recordAgentResults(scope, results),
  };
}
