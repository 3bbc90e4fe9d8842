/**
 * Tasks: the tenant's agent task queue (enqueue, list, cancel under RLS), the system side that
 * claims tenant-fairly with leases and finishes tasks with their results, and the worker.
 */
import type { SystemScope, TenantScope } from '../tenancy/index.ts';
import { recordAgentResults, type AgentResultInput } from './agent-results.ts';
import { cancelTask } from './cancel.ts';
import { claimTasks, heartbeatTasks, releaseTasks, type ClaimInput, type HeldTask } from './claim.ts';
import { completeAndClaim, type CompleteAndClaimInput } from './cycle.ts';
import { enqueue, enqueueMany, type EnqueueInput } from './enqueue.ts';
import { completeTasks, failTask, type RetryPolicy, type TaskResult } from './finish.ts';
import { listTasks, type ListTasksOptions } from './list.ts';
import { cancelQueuedTask, listQueue, queueCounts, retryTask, type QueueFilter } from './operate.ts';

export { recordAgentResults, type AgentResult, type AgentResultInput } from './agent-results.ts';
export { cancelTask } from './cancel.ts';
export { claimTasks, heartbeatTasks, releaseTasks, type ClaimedTask, type ClaimInput, type HeldTask } from './claim.ts';
export { completeAndClaim, type CompleteAndClaimInput } from './cycle.ts';
export { enqueue, enqueueMany, type EnqueueInput } from './enqueue.ts';
export {
  checkTaskResult,
  completeTasks,
  failTask,
  retryDelay,
  type FailOutcome,
  type RetryPolicy,
  type TaskResult,
} from './finish.ts';
export { listTasks, type ListTasksOptions } from './list.ts';
export { cancelQueuedTask, listQueue, queueCounts, retryTask, type QueueFilter } from './operate.ts';
export { TASK_PRIORITIES, TASK_STATUSES, type Task, type TaskPriority, type TaskStatus } from './task.ts';
export {
  createWorker,
  TASK_CHANNEL,
  type TaskHandler,
  type Worker,
  type WorkerEvent,
  type WorkerOptions,
} from './worker.ts';

/** The tenant client's `tasks` namespace. */
export function tasksNamespace(scope: TenantScope) {
  return {
    enqueue: (input: EnqueueInput) => enqueue(scope, input),
    enqueueMany: (inputs: readonly EnqueueInput[]) => enqueueMany(scope, inputs),
    cancel: (id: string) => cancelTask(scope, id),
    list: (options?: ListTasksOptions) => listTasks(scope, options),
    recordResults: (results: readonly AgentResultInput[]) => recordAgentResults(scope, results),
  };
}

/** The system client's `tasks` namespace: claiming and finishing (workers), and operators' work. */
export function systemTasksNamespace(scope: SystemScope) {
  return {
    claim: (input: ClaimInput) => claimTasks(scope, input),
    heartbeat: (input: { workerId: string; lease: number; tasks: readonly HeldTask[] }) => heartbeatTasks(scope, input),
    release: (input: { workerId: string; tasks: readonly HeldTask[] }) => releaseTasks(scope, input),
    complete: (input: { workerId: string; tasks: readonly { task: HeldTask; result?: TaskResult }[] }) =>
      completeTasks(scope, input),
    completeAndClaim: (input: CompleteAndClaimInput) => completeAndClaim(scope, input),
    fail: (input: { workerId: string; task: HeldTask; error: string; retry?: boolean; policy?: RetryPolicy }) =>
      failTask(scope, input),
    list: (filter?: QueueFilter) => listQueue(scope, filter),
    counts: () => queueCounts(scope),
    retry: (id: string) => retryTask(scope, id),
    cancel: (id: string) => cancelQueuedTask(scope, id),
  };
}
