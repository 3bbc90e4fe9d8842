/** Tasks: the results agents produce for the tenant's tasks (the queue itself arrives with the tasks module). */
export { recordAgentResults, type AgentResult, type AgentResultInput } from './agent-results.ts';
