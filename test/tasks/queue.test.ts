/** The queue's tenant side (enqueue, dedupe, list, cancel) and its system side (claim, leases, finish). */
import { randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemContext, type TenantContext } from '../../src/index.ts';
import { agentResults, costEvents, tasks, tenants } from '../../src/schema/index.ts';
import {
  cancelTask,
  claimTasks,
  completeAndClaim,
  completeTasks,
  enqueue,
  enqueueMany,
  failTask,
  heartbeatTasks,
  listTasks,
  releaseTasks,
  retryTask,
  type ClaimedTask,
} from '../../src/tasks/index.ts';
import { createTestDatabase, isServer, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Queue A');
  b = await ownerContext(db, 'Queue B');
});
afterAll(async () => {
  await t?.dispose();
});

/** A task type of its own per test: claims filtered by it see only that test's tasks. */
const typeOf = (label: string) => `test.${label}.${randomUUID().slice(0, 8)}`;
const system = () => systemOf(db, 'test: queue');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const readTask = (id: string) =>
  withSystemContext(db, async (tx) => (await tx.select().from(tasks).where(eq(tasks.id, id)))[0], {
    reason: 'test: read a task',
  });

describe('enqueue', () => {
  it('queues pending tasks with defaults, in input order', async () => {
    const type = typeOf('enqueue');
    const [first, second] = await enqueueMany(tenantOf(db, a), [
      { type, payload: { n: 1 } },
      { type, payload: { n: 2 }, priority: 'high', maxAttempts: 5, moduleSlug: 'reports' },
    ]);
    expect([first?.payload, first?.status, first?.priority, first?.maxAttempts, first?.attempts]).toEqual([
      { n: 1 },
      'pending',
      'normal',
      3,
      0,
    ]);
    expect([second?.payload, second?.priority, second?.maxAttempts, second?.moduleSlug]).toEqual([
      { n: 2 },
      'high',
      5,
      'reports',
    ]);
    expect(first?.tenantId).toBe(a.tenantId);
  });

  it('a dedupe key makes re-enqueueing idempotent per tenant (across calls and within a batch)', async () => {
    const type = typeOf('dedupe');
    const one = await enqueue(tenantOf(db, a), { type, dedupeKey: 'report:2026-W49', payload: { v: 1 } });
    const again = await enqueue(tenantOf(db, a), { type, dedupeKey: 'report:2026-W49', payload: { v: 2 } });
    expect(again.id).toBe(one.id);
    expect(again.payload).toEqual({ v: 1 });
    const batch = await enqueueMany(tenantOf(db, a), [
      { type, dedupeKey: 'k' },
      { type },
      { type, dedupeKey: 'k' },
      { type, dedupeKey: 'report:2026-W49' },
    ]);
    expect(batch[0]?.id).toBe(batch[2]?.id);
    expect(batch[3]?.id).toBe(one.id);
    expect(new Set(batch.map((x) => x.id)).size).toBe(3);
    // Another tenant's key is its own.
    const other = await enqueue(tenantOf(db, b), { type, dedupeKey: 'report:2026-W49' });
    expect(other.id).not.toBe(one.id);
    expect(other.tenantId).toBe(b.tenantId);
    const { items } = await listTasks(tenantOf(db, a), { type });
    expect(items).toHaveLength(3);
  });

  it('refuses bad input before any SQL, writing nothing', async () => {
    const type = typeOf('bad');
    const tenant = tenantOf(db, a);
    const bad: unknown[] = [
      { type: '' },
      { type: 'has space' },
      { type, priority: 'asap' },
      { type, payload: [1] },
      { type, runAt: new Date('nope') },
      { type, maxAttempts: 0 },
      { type, connectorId: 'x' },
      { type, dedupeKey: '' },
      { type, typo: 1 },
    ];
    for (const input of bad) {
      expect(await codeOf(enqueueMany(tenant, [{ type }, input as never])), JSON.stringify(input)).toBe(
        'INVALID_INPUT',
      );
    }
    expect((await listTasks(tenant, { type })).items).toEqual([]);
    expect(await codeOf(enqueue(systemOf(db) as never, { type }))).toBe('TENANT_CONTEXT_MISSING');
  });

  it("refuses another tenant's connector (composite reference)", async () => {
    const [connector] = await tenantOf(db, b).tables.connectors.insert([{ name: 'GA', provider: 'google' }]);
    expect(await codeOf(enqueue(tenantOf(db, a), { type: typeOf('ref'), connectorId: connector?.id as string }))).toBe(
      'CROSS_TENANT_REFERENCE',
    );
  });
});

describe('list and cancel', () => {
  it('lists the tenant’s own tasks, newest first, a page at a time', async () => {
    const type = typeOf('list');
    await enqueueMany(
      tenantOf(db, a),
      Array.from({ length: 5 }, (_, i) => ({ type, payload: { i } })),
    );
    await enqueue(tenantOf(db, b), { type });
    const first = await listTasks(tenantOf(db, a), { type, limit: 3 });
    const second = await listTasks(tenantOf(db, a), { type, limit: 3, cursor: first.nextCursor });
    expect(first.items).toHaveLength(3);
    expect(second.items).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
    const all = [...first.items, ...second.items];
    expect(new Set(all.map((x) => x.id)).size).toBe(5);
    expect(all.every((x) => x.tenantId === a.tenantId)).toBe(true);
    expect((await listTasks(tenantOf(db, b), { type })).items).toHaveLength(1);
    expect(await codeOf(listTasks(tenantOf(db, a), { status: 'done' as never }))).toBe('INVALID_INPUT');
    expect(await codeOf(listTasks(tenantOf(db, b), { type, cursor: first.nextCursor }))).toBe('INVALID_INPUT');
  });

  it('cancels a pending task (never claimed), refuses a finished one and another tenant’s', async () => {
    const type = typeOf('cancel');
    const [keep, drop] = await enqueueMany(tenantOf(db, a), [{ type }, { type }]);
    const cancelled = await cancelTask(tenantOf(db, a), drop?.id as string);
    expect(cancelled.status).toBe('cancelled');
    expect(await codeOf(cancelTask(tenantOf(db, a), drop?.id as string))).toBe('TASK_STATE');
    expect(await codeOf(cancelTask(tenantOf(db, b), keep?.id as string))).toBe('TASK_NOT_FOUND');
    expect((await readTask(keep?.id as string))?.status).toBe('pending');
    const claimed = await claimTasks(system(), { workerId: 'w', limit: 10, lease: 60_000, types: [type] });
    expect(claimed.map((x) => x.id)).toEqual([keep?.id]);
  });
});

describe('claim', () => {
  it('is tenant-fair: one task per tenant per round, whatever the size of a tenant’s queue', async () => {
    const type = typeOf('fair');
    const small = await Promise.all([1, 2, 3, 4, 5].map((i) => ownerContext(db, `Fair ${i}`)));
    await enqueueMany(
      tenantOf(db, a),
      Array.from({ length: 40 }, () => ({ type })),
    );
    for (const s of small) await enqueue(tenantOf(db, s), { type });
    // The protection removed: claiming in queue order (pg-boss's fetch) serves only the big tenant.
    const fifo = await db.rawTransaction((s) =>
      s.query<{ tenant_id: string }>(
        `select tenant_id from public.tasks where type = $1 and status = 'pending' order by priority desc, run_at, id limit 6`,
        [type],
      ),
    );
    expect(fifo.every((r) => r.tenant_id === a.tenantId)).toBe(true);
    const claimed = await claimTasks(system(), { workerId: 'w', limit: 6, lease: 60_000, types: [type] });
    expect(claimed).toHaveLength(6);
    expect(new Set(claimed.map((x) => x.tenantId))).toEqual(new Set([a.tenantId, ...small.map((s) => s.tenantId)]));
    expect(claimed.every((x) => x.status === 'running' && x.attempt === 1 && x.lockedBy === 'w')).toBe(true);
    // The big tenant gets the rest once the others are served.
    const rest = await claimTasks(system(), { workerId: 'w', limit: 100, lease: 60_000, types: [type] });
    expect(rest).toHaveLength(39);
    expect(rest.every((x) => x.tenantId === a.tenantId)).toBe(true);
  });

  it('respects priority, then runAt, within a tenant; future tasks wait', async () => {
    const type = typeOf('order');
    const now = Date.now();
    const [low, urgent, early, later, future] = await enqueueMany(tenantOf(db, a), [
      { type, priority: 'low' },
      { type, priority: 'urgent' },
      { type, runAt: new Date(now - 60_000) },
      { type, runAt: new Date(now - 1_000) },
      { type, priority: 'urgent', runAt: new Date(now + 3_600_000) },
    ]);
    const order: string[] = [];
    for (let i = 0; i < 5; i++) {
      const [c] = await claimTasks(system(), { workerId: 'w', limit: 1, lease: 60_000, types: [type] });
      if (c) order.push(c.id);
    }
    expect(order).toEqual([urgent?.id, early?.id, later?.id, low?.id]);
    expect((await readTask(future?.id as string))?.status).toBe('pending');
  });

  it('honours the tenant’s max_concurrent_tasks across claimers', async () => {
    const type = typeOf('limit');
    const limited = await ownerContext(db, 'Limited');
    await withSystemContext(
      db,
      (tx) => tx.update(tenants).set({ maxConcurrentTasks: 2 }).where(eq(tenants.id, limited.tenantId)),
      { reason: 'test: plan limit' },
    );
    await enqueueMany(
      tenantOf(db, limited),
      Array.from({ length: 6 }, () => ({ type })),
    );
    const claims = await Promise.all(
      [1, 2, 3, 4].map((i) => claimTasks(system(), { workerId: `w${i}`, limit: 5, lease: 60_000, types: [type] })),
    );
    const claimed = claims.flat();
    expect(claimed).toHaveLength(2);
    expect(await claimTasks(system(), { workerId: 'w', limit: 5, lease: 60_000, types: [type] })).toEqual([]);
    const [done] = claimed as [ClaimedTask];
    expect(await completeTasks(system(), { workerId: done.lockedBy as string, tasks: [{ task: done }] })).toEqual([
      done.id,
    ]);
    expect(await claimTasks(system(), { workerId: 'w', limit: 5, lease: 60_000, types: [type] })).toHaveLength(1);
  });

  it('skips tenants that are not ACTIVE or TRIAL', async () => {
    const type = typeOf('suspended');
    const sleeping = await ownerContext(db, 'Suspended');
    await enqueue(tenantOf(db, sleeping), { type });
    await withSystemContext(
      db,
      (tx) => tx.update(tenants).set({ status: 'SUSPENDED' }).where(eq(tenants.id, sleeping.tenantId)),
      { reason: 'test: suspend' },
    );
    expect(await claimTasks(system(), { workerId: 'w', limit: 5, lease: 60_000, types: [type] })).toEqual([]);
  });

  it('refuses bad input and a tenant scope', async () => {
    expect(await codeOf(claimTasks(system(), { workerId: '', limit: 1, lease: 1000 }))).toBe('INVALID_INPUT');
    expect(await codeOf(claimTasks(system(), { workerId: 'w', limit: 0, lease: 1000 }))).toBe('INVALID_INPUT');
    expect(await codeOf(claimTasks(system(), { workerId: 'w', limit: 1, lease: 10 }))).toBe('INVALID_INPUT');
    expect(await codeOf(claimTasks(system(), { workerId: 'w', limit: 1, lease: 1000, types: [] }))).toBe(
      'INVALID_INPUT',
    );
    const notHeld = { id: 'x', tenantId: a.tenantId, attempt: 1 };
    expect(await codeOf(heartbeatTasks(system(), { workerId: 'w', lease: 1000, tasks: [notHeld] }))).toBe(
      'INVALID_INPUT',
    );
    expect(
      await codeOf(releaseTasks(system(), { workerId: 'w', tasks: [{ ...notHeld, id: randomUUID(), attempt: 0 }] })),
    ).toBe('INVALID_INPUT');
    expect(await codeOf(completeTasks(system(), { workerId: 'w', tasks: [{ task: notHeld }] }))).toBe('INVALID_INPUT');
    expect(await codeOf(claimTasks(tenantOf(db, a) as never, { workerId: 'w', limit: 1, lease: 1000 }))).toBe(
      'SYSTEM_CONTEXT_FORBIDDEN',
    );
  });
});

describe('leases, completion and failure', () => {
  it('an expired lease is claimed again; the first worker can then neither extend nor complete it', async () => {
    const type = typeOf('lease');
    const task = await enqueue(tenantOf(db, a), { type });
    const [first] = (await claimTasks(system(), { workerId: 'w1', limit: 1, lease: 200, types: [type] })) as [
      ClaimedTask,
    ];
    await sleep(400);
    const [second] = (await claimTasks(system(), { workerId: 'w2', limit: 1, lease: 60_000, types: [type] })) as [
      ClaimedTask,
    ];
    expect([second.id, second.attempt, second.lockedBy]).toEqual([task.id, 2, 'w2']);
    expect(await heartbeatTasks(system(), { workerId: 'w1', lease: 60_000, tasks: [first] })).toEqual([]);
    expect(await completeTasks(system(), { workerId: 'w1', tasks: [{ task: first }] })).toEqual([]);
    expect(await failTask(system(), { workerId: 'w1', task: first, error: 'late' })).toBeNull();
    expect(
      await completeTasks(system(), { workerId: 'w2', tasks: [{ task: second, result: { summary: 'ok' } }] }),
    ).toEqual([task.id]);
    expect(await completeTasks(system(), { workerId: 'w2', tasks: [{ task: second }] })).toEqual([]);
    const results = await withSystemContext(
      db,
      (tx) => tx.select().from(agentResults).where(eq(agentResults.taskId, task.id)),
      {
        reason: 'test',
      },
    );
    expect(results).toHaveLength(1);
  });

  it('a heartbeat extends the lease', async () => {
    const type = typeOf('heartbeat');
    await enqueue(tenantOf(db, a), { type });
    const [held] = (await claimTasks(system(), { workerId: 'w1', limit: 1, lease: 300, types: [type] })) as [
      ClaimedTask,
    ];
    expect(await heartbeatTasks(system(), { workerId: 'w1', lease: 60_000, tasks: [held] })).toEqual([held.id]);
    await sleep(500);
    expect(await claimTasks(system(), { workerId: 'w2', limit: 1, lease: 1000, types: [type] })).toEqual([]);
    // Without it (the protection removed), the same wait loses the task to another worker.
    await enqueue(tenantOf(db, a), { type });
    const [unbeaten] = (await claimTasks(system(), { workerId: 'w1', limit: 1, lease: 300, types: [type] })) as [
      ClaimedTask,
    ];
    await sleep(500);
    const [stolen] = await claimTasks(system(), { workerId: 'w2', limit: 1, lease: 1000, types: [type] });
    expect(stolen?.id).toBe(unbeaten.id);
  });

  it('heartbeat and release work for tasks of many tenants at once (on Citus: several shards)', async () => {
    const type = typeOf('many');
    const many = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => ownerContext(db, `Many ${i}`)));
    for (const c of many) await enqueue(tenantOf(db, c), { type });
    const held = await claimTasks(system(), { workerId: 'w', limit: 10, lease: 60_000, types: [type] });
    expect(new Set(held.map((x) => x.tenantId)).size).toBe(6);
    const ids = held.map((x) => x.id).sort();
    expect((await heartbeatTasks(system(), { workerId: 'w', lease: 60_000, tasks: held })).sort()).toEqual(ids);
    expect((await releaseTasks(system(), { workerId: 'w', tasks: held })).sort()).toEqual(ids);
  });

  it('completion writes the agent result and the cost event with the task, in its tenant', async () => {
    const type = typeOf('complete');
    const task = await enqueue(tenantOf(db, b), { type });
    const [held] = (await claimTasks(system(), { workerId: 'w', limit: 1, lease: 60_000, types: [type] })) as [
      ClaimedTask,
    ];
    const result = {
      agent: 'cfo' as const,
      summary: 'Forecast ready',
      output: { months: 3 },
      tokensUsed: 1200,
      costUsd: '0.012345',
    };
    expect(await completeTasks(system(), { workerId: 'w', tasks: [{ task: held, result }] })).toEqual([task.id]);
    const done = await readTask(task.id);
    expect([done?.status, done?.lockedBy, done?.completedAt instanceof Date]).toEqual(['completed', null, true]);
    const [row] = await tenantOf(db, b).tables.agentResults.findMany({ where: eq(agentResults.taskId, task.id) });
    expect([row?.agent, row?.summary, row?.output, row?.tokensUsed, row?.costUsd]).toEqual([
      'cfo',
      'Forecast ready',
      { months: 3 },
      1200,
      '0.012345',
    ]);
    const costs = await tenantOf(db, b).tables.costEvents.findMany({
      where: and(eq(costEvents.tenantId, b.tenantId), eq(costEvents.costUsd, '0.012345')),
    });
    expect(costs.map((c) => [c.service, c.metadata])).toEqual([['llm', { taskId: task.id, operation: type }]]);
    expect(await tenantOf(db, a).tables.agentResults.findMany({ where: eq(agentResults.taskId, task.id) })).toEqual([]);
    expect(
      await codeOf(
        completeTasks(system(), { workerId: 'w', tasks: [{ task: held, result: { costUsd: 0.1 as never } }] }),
      ),
    ).toBe('INVALID_INPUT');
  });

  it('failure retries with exponential backoff and jitter, then fails for good keeping the error', async () => {
    const type = typeOf('fail');
    const task = await enqueue(tenantOf(db, a), { type, maxAttempts: 2 });
    const [one] = (await claimTasks(system(), { workerId: 'w', limit: 1, lease: 60_000, types: [type] })) as [
      ClaimedTask,
    ];
    const before = Date.now();
    const retry = await failTask(system(), { workerId: 'w', task: one, error: 'timeout', policy: { baseMs: 400 } });
    expect(retry?.outcome).toBe('retry');
    const delay = (retry?.runAt.getTime() ?? 0) - before;
    expect(delay).toBeGreaterThanOrEqual(150);
    expect(delay).toBeLessThanOrEqual(1500);
    expect(await claimTasks(system(), { workerId: 'w', limit: 1, lease: 60_000, types: [type] })).toEqual([]);
    await sleep(Math.max(0, (retry?.runAt.getTime() ?? 0) - Date.now()) + 100);
    const [two] = (await claimTasks(system(), { workerId: 'w', limit: 1, lease: 60_000, types: [type] })) as [
      ClaimedTask,
    ];
    expect(two.attempt).toBe(2);
    const final = await failTask(system(), { workerId: 'w', task: two, error: 'timeout again' });
    expect(final?.outcome).toBe('failed');
    const stored = await readTask(task.id);
    expect([stored?.status, stored?.error, stored?.attempts]).toEqual(['failed', 'timeout again', 2]);
    // An operator queues it again.
    const again = await retryTask(system(), task.id);
    expect([again.status, again.attempts]).toEqual(['pending', 0]);
    expect(await codeOf(retryTask(system(), task.id))).toBe('TASK_STATE');
  });

  it('completeAndClaim completes the batch, then claims with the slots it freed, in one call', async () => {
    const type = typeOf('cycle');
    const limited = await ownerContext(db, 'Cycle');
    await withSystemContext(
      db,
      (tx) => tx.update(tenants).set({ maxConcurrentTasks: 1 }).where(eq(tenants.id, limited.tenantId)),
      { reason: 'test: plan limit' },
    );
    const queued = await enqueueMany(tenantOf(db, limited), [{ type }, { type }]);
    const [held, ...more] = (await claimTasks(system(), { workerId: 'w', limit: 5, lease: 60_000, types: [type] })) as [
      ClaimedTask,
    ];
    expect(more).toEqual([]);
    const other = queued.find((q) => q.id !== held.id);
    // The tenant's one slot is taken until the completion frees it, in the same call.
    const { completed, claimed } = await completeAndClaim(system(), {
      workerId: 'w',
      limit: 5,
      lease: 60_000,
      types: [type],
      tasks: [{ task: held, result: { summary: 'done' } }],
    });
    expect(completed).toEqual([held.id]);
    expect(claimed.map((x) => [x.id, x.status, x.attempt])).toEqual([[other?.id, 'running', 1]]);
    expect(claimed[0]?.runAt).toBeInstanceOf(Date);
    expect(await codeOf(completeAndClaim(system(), { workerId: 'w', limit: 0, lease: 60_000, tasks: [] }))).toBe(
      'INVALID_INPUT',
    );
  });

  it('the backoff doubles per attempt, capped, within ±50 %', async () => {
    const { retryDelay } = await import('../../src/tasks/index.ts');
    expect([1, 2, 3, 4].map((n) => retryDelay(n, { baseMs: 100 }, 0.5))).toEqual([100, 200, 400, 800]);
    expect(retryDelay(30, { baseMs: 100, maxMs: 5000 }, 0.5)).toBe(5000);
    expect(retryDelay(1, { baseMs: 100 }, 0)).toBe(50);
    expect(retryDelay(1, { baseMs: 100 }, 0.999)).toBeLessThanOrEqual(150);
  });

  it('release hands a task back without counting the attempt', async () => {
    const type = typeOf('release');
    const task = await enqueue(tenantOf(db, a), { type });
    const [held] = (await claimTasks(system(), { workerId: 'w', limit: 1, lease: 60_000, types: [type] })) as [
      ClaimedTask,
    ];
    expect(await releaseTasks(system(), { workerId: 'other', tasks: [held] })).toEqual([]);
    expect(await releaseTasks(system(), { workerId: 'w', tasks: [held] })).toEqual([task.id]);
    const back = await readTask(task.id);
    expect([back?.status, back?.attempts, back?.lockedBy]).toEqual(['pending', 0, null]);
  });

  it.runIf(isServer)('concurrent claimers never take the same task', async () => {
    const type = typeOf('race');
    const tenantsOf = await Promise.all([1, 2, 3].map((i) => ownerContext(db, `Race ${i}`)));
    for (const c of tenantsOf)
      await enqueueMany(
        tenantOf(db, c),
        Array.from({ length: 40 }, () => ({ type })),
      );
    const seen: string[] = [];
    await Promise.all(
      [1, 2, 3, 4].map(async (w) => {
        for (;;) {
          const got = await claimTasks(system(), { workerId: `w${w}`, limit: 7, lease: 60_000, types: [type] });
          if (got.length === 0) return;
          seen.push(...got.map((x) => x.id));
        }
      }),
    );
    expect(seen).toHaveLength(120);
    expect(new Set(seen).size).toBe(120);
  });
});
