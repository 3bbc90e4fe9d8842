/** createWorker: handlers in the task's tenant context, retries, wake-up, graceful shutdown, events. */
import { randomUUID } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCost, setBudget } from '../../src/billing/index.ts';
import { withSystemContext, type TenantContext } from '../../src/index.ts';
import { rowsOf } from '../../src/tenancy/index.ts';
import { agentResults, tasks } from '../../src/schema/index.ts';
import { createWorker, enqueue, enqueueMany, type WorkerEvent } from '../../src/tasks/index.ts';
import { backend, createTestDatabase, isCitus, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Worker A');
  b = await ownerContext(db, 'Worker B');
});
afterAll(async () => {
  await t?.dispose();
});

const typeOf = (label: string) => `test.${label}.${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Notifications reach a worker on a direct connection; not through PgBouncer, not on Citus. */
const canListen = backend !== 'pgbouncer' && !isCitus;

const readTasks = (type: string) =>
  withSystemContext(db, (tx) => tx.select().from(tasks).where(eq(tasks.type, type)), { reason: 'test: read tasks' });

async function until(check: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(25);
  }
}

const allDone = (type: string, n: number) => async () =>
  (await readTasks(type)).filter((x) => x.status === 'completed' || x.status === 'failed').length === n;

describe('createWorker', () => {
  it('runs each handler in its task’s tenant context and stores what it returns', async () => {
    const type = typeOf('context');
    await enqueueMany(tenantOf(db, a), [
      { type, payload: { n: 1 } },
      { type, payload: { n: 2 } },
    ]);
    await enqueue(tenantOf(db, b), { type, payload: { n: 3 } });
    await tenantOf(db, b).tables.conversations.insert({ title: 'only B has one' });
    const events: WorkerEvent[] = [];
    const worker = createWorker(db, {
      concurrency: 2,
      pollInterval: 50,
      handleSignals: false,
      listen: canListen,
      onEvent: (e) => events.push(e),
      handlers: {
        [type]: async (task, scope) => {
          const [row] = await scope.query<{ tenant: string }>(
            `select current_setting('app.current_tenant_id') as tenant`,
          );
          const seen = await scope.tables.conversations.findMany();
          return {
            agent: 'cto',
            summary: `n=${String(task.payload.n)}`,
            output: { tenant: row?.tenant, conversations: seen.length },
          };
        },
      },
    });
    await worker.start();
    await until(allDone(type, 3));
    await worker.stop();
    const rows = await withSystemContext(
      db,
      (tx) =>
        tx
          .select({ tenantId: agentResults.tenantId, output: agentResults.output, summary: agentResults.summary })
          .from(agentResults)
          .innerJoin(tasks, and(eq(tasks.tenantId, agentResults.tenantId), eq(tasks.id, agentResults.taskId)))
          .where(eq(tasks.type, type)),
      { reason: 'test: read results' },
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.output.tenant).toBe(r.tenantId);
    expect(rows.filter((r) => r.tenantId === b.tenantId).map((r) => r.output.conversations)).toEqual([1]);
    expect(rows.filter((r) => r.tenantId === a.tenantId).map((r) => r.output.conversations)).toEqual([0, 0]);
    const kinds = events.map((e) => e.type);
    expect(kinds[0]).toBe('worker:started');
    expect(kinds.filter((k) => k === 'task:claimed')).toHaveLength(3);
    expect(kinds.filter((k) => k === 'task:completed')).toHaveLength(3);
    expect(kinds.at(-1)).toBe('worker:stopped');
  });

  it('the protection removed: a handler without the task’s context sees nothing as tenantdb_app', async () => {
    const type = typeOf('no-context');
    await enqueue(tenantOf(db, a), { type });
    // What a worker that forgot the context would run: the application role, no tenant opened.
    const count = (on: TestDb) =>
      on.tenantTransaction(async (tx) => {
        if (on.switchRole) await tx.execute(sql`set local role tenantdb_app`);
        const [row] = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from public.tasks`));
        return Number(row?.n);
      });
    expect(await count(db)).toBe(0);
    // Without RLS (a privileged connection that keeps its role), the same query sees every tenant's.
    const privileged = await t.connect({ dangerouslySkipRoleSwitch: true });
    const [all] = await withSystemContext(db, (tx) => tx.select({ n: sql<number>`count(*)::int` }).from(tasks), {
      reason: 'test: count',
    });
    expect(await count(privileged)).toBe(Number(all?.n));
    // In the task's context, the same query sees the tenant's tasks.
    const [own] = await tenantOf(db, a).query<{ n: number }>(`select count(*)::int as n from public.tasks`);
    expect(Number(own?.n)).toBeGreaterThan(0);
  });

  it('retries a throwing handler with backoff, then fails the task keeping the error', async () => {
    const type = typeOf('throws');
    const task = await enqueue(tenantOf(db, a), { type, maxAttempts: 3 });
    const events: WorkerEvent[] = [];
    let calls = 0;
    const worker = createWorker(db, {
      pollInterval: 30,
      handleSignals: false,
      listen: canListen,
      retry: { baseMs: 50, maxMs: 200 },
      onEvent: (e) => events.push(e),
      handlers: {
        [type]: () => {
          calls++;
          throw new Error(`provider down (${calls})`);
        },
      },
    });
    await worker.start();
    await until(allDone(type, 1));
    await worker.stop();
    const [row] = await readTasks(type);
    expect([row?.id, row?.status, row?.attempts, row?.error]).toEqual([
      task.id,
      'failed',
      3,
      'Error: provider down (3)',
    ]);
    expect(calls).toBe(3);
    expect(events.filter((e) => e.type === 'task:retry')).toHaveLength(2);
    expect(events.filter((e) => e.type === 'task:failed')).toHaveLength(1);
  });

  it('a result the database would refuse fails the attempt (INVALID_INPUT kept as the error)', async () => {
    const type = typeOf('bad-result');
    await enqueue(tenantOf(db, a), { type, maxAttempts: 1 });
    const worker = createWorker(db, {
      pollInterval: 30,
      handleSignals: false,
      listen: canListen,
      handlers: { [type]: () => ({ costUsd: 0.5 as never }) },
    });
    await worker.start();
    await until(allDone(type, 1));
    await worker.stop();
    const [row] = await readTasks(type);
    expect(row?.status).toBe('failed');
    expect(row?.error).toMatch(/costUsd/);
  });

  it('a completion its tenant’s budget refuses fails that task alone; the batch’s others complete', async () => {
    const type = typeOf('budget');
    const broke = await ownerContext(db, 'Over budget');
    await setBudget(systemOf(db), broke.tenantId, { daily: '0.01', hardLimit: true });
    // The day's budget is spent: the database refuses any further cost today.
    await recordCost(tenantOf(db, broke), { service: 'llm', costUsd: '0.020000' });
    const [expensive] = await enqueueMany(tenantOf(db, broke), [{ type, payload: { cost: '5.000000' } }]);
    const cheap = await enqueueMany(tenantOf(db, a), [
      { type, payload: { cost: '0.000100' } },
      { type, payload: { cost: '0.000100' } },
    ]);
    const events: WorkerEvent[] = [];
    const worker = createWorker(db, {
      concurrency: 3,
      pollInterval: 30,
      handleSignals: false,
      listen: canListen,
      onEvent: (e) => events.push(e),
      handlers: {
        [type]: async (task) => {
          await sleep(50); // finish together: one completion batch
          return { costUsd: String(task.payload.cost) };
        },
      },
    });
    await worker.start();
    await until(allDone(type, 3));
    await worker.stop();
    const byId = new Map((await readTasks(type)).map((x) => [x.id, x]));
    expect(byId.get(expensive?.id as string)?.status).toBe('failed');
    expect(byId.get(expensive?.id as string)?.error).toMatch(/^BUDGET_EXCEEDED: /);
    expect(cheap.map((c) => byId.get(c.id)?.status)).toEqual(['completed', 'completed']);
    expect(await tenantOf(db, broke).tables.agentResults.findMany()).toEqual([]);
  });

  it.runIf(canListen)('wakes up on NOTIFY when a task is queued, long before its poll', async () => {
    const type = typeOf('notify');
    const worker = createWorker(db, { pollInterval: 60_000, handleSignals: false, handlers: { [type]: () => {} } });
    await worker.start();
    await sleep(200); // the first (empty) claim is done; the worker now sleeps for a minute
    const queued = Date.now();
    await enqueue(tenantOf(db, a), { type });
    await until(allDone(type, 1), 5_000);
    const took = Date.now() - queued;
    await worker.stop();
    expect(took).toBeLessThan(5_000);
  });

  it('polls when it cannot listen (PgBouncer’s transaction mode, Citus)', async () => {
    const type = typeOf('poll');
    const worker = createWorker(db, {
      pollInterval: 100,
      listen: false,
      handleSignals: false,
      handlers: { [type]: () => {} },
    });
    await worker.start();
    await sleep(150);
    await enqueue(tenantOf(db, a), { type });
    await until(allDone(type, 1), 5_000);
    await worker.stop();
  });

  it('stop() waits for running handlers, then releases the tasks it cannot finish', async () => {
    const type = typeOf('shutdown');
    const [quick, slow] = await enqueueMany(tenantOf(db, a), [
      { type, payload: { ms: 50 } },
      { type, payload: { ms: 60_000 } },
    ]);
    const events: WorkerEvent[] = [];
    let aborted = false;
    const worker = createWorker(db, {
      concurrency: 2,
      pollInterval: 30,
      shutdownTimeout: 400,
      handleSignals: false,
      listen: canListen,
      onEvent: (e) => events.push(e),
      handlers: {
        [type]: (task, _scope, { signal }) =>
          new Promise((resolve) => {
            const timer = setTimeout(resolve, Number(task.payload.ms));
            signal.addEventListener('abort', () => {
              aborted = true;
              clearTimeout(timer);
              resolve();
            });
          }),
      },
    });
    await worker.start();
    await until(async () => (await readTasks(type)).every((x) => x.status !== 'pending'));
    await sleep(200);
    await worker.stop();
    await worker.stopped;
    const byId = new Map((await readTasks(type)).map((x) => [x.id, x]));
    expect(byId.get(quick?.id as string)?.status).toBe('completed');
    expect([byId.get(slow?.id as string)?.status, byId.get(slow?.id as string)?.attempts]).toEqual(['pending', 0]);
    expect(aborted).toBe(true);
    expect(events.filter((e) => e.type === 'task:released').map((e) => (e as { taskId: string }).taskId)).toEqual([
      slow?.id,
    ]);
    expect(events.at(-1)).toMatchObject({ type: 'worker:stopped', released: 1 });
  });

  it('a handler that finishes while stop() waits is completed, not released', async () => {
    const type = typeOf('drain');
    const task = await enqueue(tenantOf(db, a), { type });
    let started = false;
    const events: WorkerEvent[] = [];
    const worker = createWorker(db, {
      pollInterval: 30,
      shutdownTimeout: 10_000,
      handleSignals: false,
      listen: canListen,
      onEvent: (e) => events.push(e),
      handlers: {
        [type]: async () => {
          started = true;
          await sleep(300);
          return { summary: 'finished during shutdown' };
        },
      },
    });
    await worker.start();
    await until(async () => started);
    const stopping = Date.now();
    await worker.stop();
    expect(Date.now() - stopping).toBeLessThan(5_000);
    const [row] = await readTasks(type);
    expect([row?.id, row?.status]).toEqual([task.id, 'completed']);
    expect(events.at(-1)).toMatchObject({ type: 'worker:stopped', released: 0 });
  });

  it('refuses bad options before starting', async () => {
    const bad: unknown[] = [
      {},
      { handlers: {} },
      { handlers: { 'a b': () => {} } },
      { handlers: { x: 1 } },
      { handlers: { x: () => {} }, concurrency: 0 },
      { handlers: { x: () => {} }, lease: 5 },
    ];
    for (const options of bad) {
      expect(
        await codeOf(Promise.resolve().then(() => createWorker(db, options as never))),
        JSON.stringify(options),
      ).toBe('INVALID_INPUT');
    }
    const worker = createWorker(db, { handlers: { x: () => {} }, handleSignals: false, listen: false });
    await worker.start();
    expect(await codeOf(worker.start())).toBe('TASK_STATE');
    await worker.stop();
    await worker.stop();
  });
});
