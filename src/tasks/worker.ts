/**
 * The worker: claims tasks (tenant-fair, with leases), runs each handler in the tenant context of
 * the task's tenant, completes or fails the task, heartbeats the leases, wakes up by LISTEN/NOTIFY
 * with polling as the fallback, and shuts down gracefully.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { TenantDbError } from '../errors.ts';
import {
  createStatementScope,
  createSystemScope,
  type Database,
  type Schema,
  type TenantStatementScope,
} from '../tenancy/index.ts';
import { claimTasks, heartbeatTasks, releaseTasks, type ClaimedTask } from './claim.ts';
import { completeAndClaim } from './cycle.ts';
import { checkTaskResult, completeTasks, failTask, type RetryPolicy, type TaskResult } from './finish.ts';
import { checkInteger, checkType, checkWorkerId, fail } from './task.ts';

/** The channel `tenantdb.notify_task_queued` notifies when tasks are queued (not on Citus). */
export const TASK_CHANNEL = 'tenantdb_task';

/**
 * Runs one task. `scope` is a tenant scope of the task's tenant (its statements are isolated by
 * RLS like any request's: pass it to any module function, or use `scope.tables`); `signal` is
 * aborted when the worker loses the task (lease lost, cancelled) or gives up on it at shutdown.
 * What it returns is the task's agent result; what it throws fails the attempt (retried with
 * backoff while attempts are left).
 */
export type TaskHandler<TSchema extends Schema = Schema> = (
  task: ClaimedTask,
  scope: TenantStatementScope<TSchema>,
  options: { signal: AbortSignal },
) => Promise<TaskResult | void> | TaskResult | void;

/** Structured events for logging: one per step of a task, and the worker's own. */
export type WorkerEvent =
  | { type: 'worker:started'; workerId: string; listen: boolean }
  | { type: 'worker:stopped'; workerId: string; released: number }
  | { type: 'worker:error'; workerId: string; error: unknown }
  | ({ type: 'task:claimed' } & TaskFields)
  | ({ type: 'task:completed'; durationMs: number } & TaskFields)
  | ({ type: 'task:retry'; error: string; runAt: Date } & TaskFields)
  | ({ type: 'task:failed'; error: string } & TaskFields)
  | ({ type: 'task:lost' } & TaskFields)
  | ({ type: 'task:released' } & TaskFields);

interface TaskFields {
  workerId: string;
  taskId: string;
  tenantId: string;
  taskType: string;
  attempt: number;
}

export interface WorkerOptions<TSchema extends Schema = Schema> {
  /** A handler per task type; the worker claims only these types. */
  handlers: Record<string, TaskHandler<TSchema>>;
  /** Handlers running at once, 1–1000. Default 1. */
  concurrency?: number;
  /** The lease holder's name. Default `host:pid:random`. */
  workerId?: string;
  /** Lease per claim in ms, renewed by a heartbeat every third of it. Default 30,000. */
  lease?: number;
  /** Poll for tasks this often (ms) when idle. Default 1,000. */
  pollInterval?: number;
  /**
   * LISTEN for queued tasks (default true): needs a direct system connection. Through PgBouncer in
   * transaction mode notifications never arrive, and the worker relies on polling: pass false.
   */
  listen?: boolean;
  /** The backoff of failed attempts. Default 1 s doubling, at most an hour, ±50 % jitter. */
  retry?: RetryPolicy;
  /** How long `stop()` waits for running handlers before releasing their tasks (ms). Default 10,000. */
  shutdownTimeout?: number;
  /** Stop gracefully on SIGTERM and SIGINT. Default true. */
  handleSignals?: boolean;
  /** Receives every {@link WorkerEvent}. */
  onEvent?: (event: WorkerEvent) => void;
}

export interface Worker {
  readonly id: string;
  /** Tasks held right now (running or being completed). */
  readonly running: number;
  /** Starts claiming (and listening). Resolves once the worker is listening. */
  start(): Promise<void>;
  /**
   * Stops claiming, waits up to `shutdownTimeout` for running handlers, releases the tasks of those
   * still running (aborting their signals) and stops. Idempotent.
   */
  stop(): Promise<void>;
  /** Resolves when the worker has stopped (by `stop()` or a signal). */
  readonly stopped: Promise<void>;
}

interface Held {
  task: ClaimedTask;
  controller: AbortController;
  started: number;
  /** Settles when the task's outcome is written (or given up). */
  done: Promise<void>;
}

interface Completion {
  held: Held;
  result: TaskResult;
  resolve: () => void;
}

function checkOptions<TSchema extends Schema>(options: WorkerOptions<TSchema>) {
  const fn = 'createWorker';
  if (options === null || typeof options !== 'object') fail(fn, 'pass { handlers, concurrency?, … }.', '');
  const handlers = options.handlers;
  if (handlers === null || typeof handlers !== 'object' || Object.keys(handlers).length === 0) {
    fail(fn, 'handlers must be an object with a handler per task type.', '');
  }
  for (const [type, handler] of Object.entries(handlers)) {
    checkType(fn, `handlers key ${JSON.stringify(type)}`, type);
    if (typeof handler !== 'function') fail(fn, `handlers[${JSON.stringify(type)}] must be a function.`, '');
  }
  return {
    handlers,
    concurrency: checkInteger(fn, 'concurrency', options.concurrency ?? 1, 1, 1000),
    workerId: checkWorkerId(fn, options.workerId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`),
    lease: checkInteger(fn, 'lease', options.lease ?? 30_000, 100, 86_400_000),
    pollInterval: checkInteger(fn, 'pollInterval', options.pollInterval ?? 1000, 1, 3_600_000),
    shutdownTimeout: checkInteger(fn, 'shutdownTimeout', options.shutdownTimeout ?? 10_000, 0, 3_600_000),
    listen: options.listen ?? true,
    retry: options.retry ?? {},
    handleSignals: options.handleSignals ?? true,
    onEvent: options.onEvent ?? (() => {}),
  };
}

function message(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/**
 * A worker for the queue. Claiming and finishing are system work on the system connection; each
 * handler runs in a tenant scope of its task's tenant on the application connection, so a
 * handler sees and writes only that tenant's rows. Handlers run at least once (a worker that dies
 * loses its leases and the tasks run again elsewhere); a task completes, and its agent result is
 * written, exactly once.
 *
 * @example
 * const worker = createWorker(db, {
 *   concurrency: 4,
 *   handlers: {
 *     'report.weekly': async (task, tenant) => {
 *       const { items } = await listConversations(tenant, { limit: 10 });
 *       return { agent: 'cmo', summary: `${items.length} conversations`, costUsd: '0.0042' };
 *     },
 *   },
 *   onEvent: (e) => console.log(JSON.stringify(e)),
 * });
 * await worker.start();
 */
export function createWorker<TSchema extends Schema>(db: Database<TSchema>, options: WorkerOptions<TSchema>): Worker {
  const o = checkOptions(options);
  const system = createSystemScope(db, `task worker ${o.workerId}`);
  const types = Object.keys(o.handlers);
  const held = new Map<string, Held>();
  const completions: Completion[] = [];
  /** The batch being written now. */
  let inFlight: Completion[] = [];
  let state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';
  let flushing: Promise<void> | null = null;
  let loop: Promise<void> | null = null;
  let wake: (() => void) | null = null;
  let unlisten: (() => Promise<void>) | null = null;
  let heartbeat: NodeJS.Timeout | null = null;
  let stopping: Promise<void> | null = null;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((resolve) => {
    resolveStopped = resolve;
  });

  const emit = (event: WorkerEvent) => {
    try {
      o.onEvent(event);
    } catch {
      // A logger that throws must not stop the worker.
    }
  };
  const fields = (task: ClaimedTask): TaskFields => ({
    workerId: o.workerId,
    taskId: task.id,
    tenantId: task.tenantId,
    taskType: task.type,
    attempt: task.attempt,
  });
  // A wake-up that arrives while the loop is claiming is kept for its next sleep.
  let woken = false;
  const nudge = () => {
    woken = true;
    const w = wake;
    wake = null;
    w?.();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (woken) {
        woken = false;
        resolve();
        return;
      }
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        woken = false;
        resolve();
      };
    });

  // Completions are written in batches: whatever finished while the previous batch was written.
  const complete = async (batch: Completion[]): Promise<Set<string>> =>
    new Set(
      await completeTasks(system, {
        workerId: o.workerId,
        tasks: batch.map((c) => ({ task: c.held.task, result: c.result })),
      }),
    );
  const report = (batch: Completion[], done: Set<string>) => {
    for (const c of batch) {
      const duration = Date.now() - c.held.started;
      if (done.has(c.held.task.id)) emit({ type: 'task:completed', durationMs: duration, ...fields(c.held.task) });
      else emit({ type: 'task:lost', ...fields(c.held.task) });
    }
  };
  /**
   * One completion refused on its own (its tenant's budget hard limit refuses the cost event, say)
   * must not hold back the others of its batch: a failed batch is written again one by one, and a
   * task whose own completion is refused fails, keeping the error.
   */
  const completeEach = async (batch: Completion[]) => {
    for (const c of batch) {
      try {
        report([c], await complete([c]));
      } catch (error) {
        const code = error instanceof TenantDbError ? error.code : undefined;
        if (code === undefined || code === 'SYSTEM_CONTEXT_FORBIDDEN') {
          // Not about this task (the connection, the database): its lease expires and it runs again.
          emit({ type: 'worker:error', workerId: o.workerId, error });
          continue;
        }
        try {
          const text = `${code}: ${error instanceof Error ? error.message : String(error)}`;
          const outcome = await failTask(system, {
            workerId: o.workerId,
            task: c.held.task,
            error: text,
            retry: false,
          });
          if (outcome === null) emit({ type: 'task:lost', ...fields(c.held.task) });
          else emit({ type: 'task:failed', error: text, ...fields(c.held.task) });
        } catch (failError) {
          emit({ type: 'worker:error', workerId: o.workerId, error: failError });
        }
      }
    }
  };
  /** A batch is written (or given up): its slots are free, its handlers' promises settle. */
  const settle = (batch: Completion[]) => {
    inFlight = [];
    for (const c of batch) {
      held.delete(c.held.task.id);
      c.resolve();
    }
  };
  const flush = (): Promise<void> => {
    if (flushing) return flushing;
    flushing = (async () => {
      while (completions.length > 0) {
        const batch = completions.splice(0, completions.length);
        inFlight = batch;
        try {
          report(batch, await complete(batch));
        } catch (error) {
          if (batch.length > 1 || error instanceof TenantDbError) await completeEach(batch);
          else emit({ type: 'worker:error', workerId: o.workerId, error });
        }
        settle(batch);
      }
    })().finally(() => {
      flushing = null;
    });
    return flushing;
  };

  const finish = (entry: Held) => {
    held.delete(entry.task.id);
    nudge();
  };

  // A tenant's scope is immutable and holds no connection: one per tenant, reused by its tasks
  // (building one builds the scoped API of every tenant table of the schema).
  const scopes = new Map<string, TenantStatementScope<TSchema>>();
  const scopeOf = (tenantId: string): TenantStatementScope<TSchema> => {
    let scope = scopes.get(tenantId);
    if (scope === undefined) {
      if (scopes.size >= 10_000) scopes.clear();
      scope = createStatementScope(db, { tenantId });
      scopes.set(tenantId, scope);
    }
    return scope;
  };

  const run = (task: ClaimedTask) => {
    const controller = new AbortController();
    const entry: Held = { task, controller, started: Date.now(), done: Promise.resolve() };
    held.set(task.id, entry);
    emit({ type: 'task:claimed', ...fields(task) });
    const handler = o.handlers[task.type] as TaskHandler<TSchema>;
    entry.done = (async () => {
      let result: TaskResult;
      try {
        const scope = scopeOf(task.tenantId);
        result = checkTaskResult((await handler(task, scope, { signal: controller.signal })) ?? {});
      } catch (error) {
        if (controller.signal.aborted) return; // released or lost: not this worker's to fail
        try {
          const outcome = await failTask(system, {
            workerId: o.workerId,
            task,
            error: message(error),
            policy: o.retry,
          });
          if (outcome === null) emit({ type: 'task:lost', ...fields(task) });
          else if (outcome.outcome === 'retry') {
            emit({ type: 'task:retry', error: message(error), runAt: outcome.runAt, ...fields(task) });
          } else emit({ type: 'task:failed', error: message(error), ...fields(task) });
        } catch (failError) {
          emit({ type: 'worker:error', workerId: o.workerId, error: failError });
        }
        return;
      }
      if (controller.signal.aborted) return;
      await new Promise<void>((resolve) => {
        completions.push({ held: entry, result, resolve });
        // The loop writes it, with whatever else finished meanwhile, before it claims again;
        // once the loop has stopped (a shutdown waiting for handlers), it is written at once.
        if (state === 'running') nudge();
        else void flush();
      });
    })().finally(() => finish(entry));
  };

  // One loop: write the completions that are in and claim for the free slots (one call for both),
  // then sleep until a handler finishes, a notification arrives, stop() is called or the poll is due.
  const cycle = async (): Promise<{ claimed: ClaimedTask[]; limit: number } | null> => {
    if (completions.length > 0 && flushing === null) {
      const batch = completions.splice(0, completions.length);
      inFlight = batch;
      // The batch's slots are free once it is completed, which this call does first.
      const limit = Math.min(1000, o.concurrency - held.size + batch.length);
      try {
        const { completed, claimed } = await completeAndClaim(system, {
          workerId: o.workerId,
          limit,
          lease: o.lease,
          types,
          tasks: batch.map((c) => ({ task: c.held.task, result: c.result })),
        });
        report(batch, new Set(completed));
        settle(batch);
        return { claimed, limit };
      } catch {
        // Refused as a whole (one task's cost over its tenant's hard limit, say): nothing was
        // written; the batch goes through flush, one by one where needed, then a plain claim.
        inFlight = [];
        completions.unshift(...batch);
      }
    }
    if (completions.length > 0) await flush();
    const limit = Math.min(1000, o.concurrency - held.size);
    if (limit <= 0) return null;
    return { claimed: await claimTasks(system, { workerId: o.workerId, limit, lease: o.lease, types }), limit };
  };

  const claimLoop = async () => {
    while (state === 'running') {
      try {
        const result = await cycle();
        if (result !== null) {
          if (state !== 'running') {
            // Stopped while claiming: hand them straight back.
            await releaseTasks(system, { workerId: o.workerId, tasks: result.claimed });
            return;
          }
          for (const task of result.claimed) run(task);
          if (result.claimed.length === result.limit) continue;
        }
      } catch (error) {
        emit({ type: 'worker:error', workerId: o.workerId, error });
      }
      await sleep(o.pollInterval);
    }
  };

  const beat = async () => {
    // Not the tasks being completed: their completion locks the same rows, and two statements
    // locking a batch of rows each in their own order can deadlock.
    const completing = new Set([...completions, ...inFlight].map((c) => c.held.task.id));
    const tasks = [...held.values()].filter((h) => !completing.has(h.task.id)).map((h) => h.task);
    if (tasks.length === 0) return;
    try {
      const kept = new Set(await heartbeatTasks(system, { workerId: o.workerId, lease: o.lease, tasks }));
      for (const task of tasks) {
        const entry = held.get(task.id);
        if (entry && !kept.has(task.id) && !entry.controller.signal.aborted) {
          entry.controller.abort(
            new TenantDbError('TASK_LEASE_LOST', `task ${task.id}: this worker no longer holds it.`),
          );
          emit({ type: 'task:lost', ...fields(task) });
        }
      }
    } catch (error) {
      emit({ type: 'worker:error', workerId: o.workerId, error });
    }
  };

  const onSignal = () => {
    void worker.stop();
  };

  const worker: Worker = {
    id: o.workerId,
    get running() {
      return held.size;
    },
    stopped,
    async start() {
      if (state !== 'new') throw new TenantDbError('TASK_STATE', `worker ${o.workerId} was started already.`);
      state = 'running';
      let listening = false;
      if (o.listen) {
        try {
          unlisten = await db.listen(TASK_CHANNEL, nudge);
          listening = true;
        } catch (error) {
          emit({ type: 'worker:error', workerId: o.workerId, error });
        }
      }
      heartbeat = setInterval(() => void beat(), Math.max(50, Math.floor(o.lease / 3)));
      if (o.handleSignals) {
        process.once('SIGTERM', onSignal);
        process.once('SIGINT', onSignal);
      }
      emit({ type: 'worker:started', workerId: o.workerId, listen: listening });
      loop = claimLoop();
    },
    stop() {
      if (stopping) return stopping;
      stopping = (async () => {
        const wasRunning = state === 'running';
        state = 'stopping';
        process.removeListener('SIGTERM', onSignal);
        process.removeListener('SIGINT', onSignal);
        nudge();
        await loop;
        let released = 0;
        if (wasRunning) {
          void flush();
          const all = Promise.all([...held.values()].map((h) => h.done));
          let timer: NodeJS.Timeout | undefined;
          const timeout = new Promise<void>((resolve) => {
            timer = setTimeout(resolve, o.shutdownTimeout);
          });
          await Promise.race([all, timeout]);
          clearTimeout(timer);
          // Still running: not aborted, and not finished with a completion waiting to be written.
          const queued = new Set(completions.map((c) => c.held.task.id));
          const unfinished = [...held.values()].filter((h) => !h.controller.signal.aborted && !queued.has(h.task.id));
          if (unfinished.length > 0) {
            for (const h of unfinished)
              h.controller.abort(new TenantDbError('TASK_STATE', 'the worker is shutting down.'));
            try {
              const ids = new Set(
                await releaseTasks(system, { workerId: o.workerId, tasks: unfinished.map((h) => h.task) }),
              );
              for (const h of unfinished) if (ids.has(h.task.id)) emit({ type: 'task:released', ...fields(h.task) });
              released = ids.size;
            } catch (error) {
              emit({ type: 'worker:error', workerId: o.workerId, error });
            }
          }
          await flush();
        }
        if (heartbeat) clearInterval(heartbeat);
        if (unlisten)
          await unlisten().catch((error: unknown) => emit({ type: 'worker:error', workerId: o.workerId, error }));
        state = 'stopped';
        emit({ type: 'worker:stopped', workerId: o.workerId, released });
        resolveStopped();
      })();
      return stopping;
    },
  };
  return worker;
}
