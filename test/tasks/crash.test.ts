/**
 * The queue under crashing workers (server backends only): thousands of tasks over 20 tenants,
 * worked by 4 worker processes (test/tasks/crash-worker.ts) of which one at a time is killed with
 * SIGKILL at random points — mid-claim, mid-handler, mid-completion — and replaced. The tasks a
 * killed worker held come back when their leases expire. At the end every task is completed, has
 * exactly one agent result (none lost, none duplicated), and its handler ran in its own tenant's
 * context. The second test shows the checks can fail: handlers given another tenant's scope, or
 * none, are caught, and without RLS the context-less query sees every tenant's tasks.
 *
 * A killed worker's replacement is a process spawned ahead (loaded, not yet connected) and started
 * at the kill: loading one takes seconds on a busy two-core machine, which would otherwise set the
 * pace of the kills. TENANTDB_CRASH_TASKS sets the number of tasks (default 5,000, on every
 * server backend: about 25 s of run on postgres and PgBouncer, 40 s on Citus).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TenantContext } from '../../src/index.ts';
import { createWorker, enqueueMany } from '../../src/tasks/index.ts';
import { createStatementScope, rowsOf } from '../../src/tenancy/index.ts';
import {
  backend,
  connections,
  createTestDatabase,
  processUrls,
  isCitus,
  isServer,
  type TestDatabase,
  type TestDb,
} from '../helpers/backend.ts';
import { root } from '../helpers/cli.ts';
import { ownerContext, tenantOf } from '../helpers/tenants.ts';

const TASKS = Number(process.env.TENANTDB_CRASH_TASKS ?? 5000);
const TENANTS = 20;
const WORKERS = 4;
const KILLS = 20;
/** Replacements loaded ahead, waiting to be started. */
const SPARES = 8;
const CONCURRENCY = 8;
const LEASE = 1500;
const TYPE = 'crash.test';
const WORKER_SCRIPT = fileURLToPath(new URL('./crash-worker.ts', import.meta.url));
/** Notifications reach a worker on a direct connection: not through PgBouncer, not on Citus. */
const canListen = backend !== 'pgbouncer' && !isCitus;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

let t: TestDatabase;
let db: TestDb;
let tenants: TenantContext[] = [];

interface Child {
  proc: ChildProcess;
  pid: number;
  /** Loaded and waiting for `go`. */
  ready: boolean;
  /** Told `go`: one of the working workers from then on. */
  activated: boolean;
  /** Its worker has started claiming. */
  working: boolean;
  /** Killed (SIGKILL) or told to stop (SIGTERM) by the test: any other exit is a crash of its own. */
  expected: boolean;
  alive: boolean;
  stderr: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children: Child[] = [];

/** The errors the workers reported (crash-worker.ts writes one JSON line each), by code and message. */
const workerErrors = new Map<string, number>();
function countError(line: string): void {
  let key = line.slice(0, 200);
  try {
    const { code, error } = JSON.parse(line) as { code?: unknown; error?: unknown };
    key = `${String(code ?? '-')} ${String(error).slice(0, 200)}`;
  } catch {
    // Not one of the worker's lines (a warning of node, say): counted as it is.
  }
  workerErrors.set(key, (workerErrors.get(key) ?? 0) + 1);
}

function spawnWorker(): Child {
  const { url, systemUrl } = processUrls(t);
  const proc = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      ...process.env,
      DATABASE_URL: undefined,
      TENANTDB_SYSTEM_URL: undefined,
      CRASH_URL: url,
      CRASH_SYSTEM_URL: systemUrl,
      CRASH_TYPE: TYPE,
      CRASH_CONCURRENCY: String(CONCURRENCY),
      CRASH_LEASE: String(LEASE),
      CRASH_POLL: '100',
      CRASH_LISTEN: canListen ? '1' : '0',
      CRASH_MAX_DELAY: '5',
    },
  });
  const child: Child = {
    proc,
    pid: proc.pid as number,
    ready: false,
    activated: false,
    working: false,
    expected: false,
    alive: true,
    stderr: '',
    exited: new Promise((resolve) =>
      proc.once('exit', (code, signal) => {
        child.alive = false;
        resolve({ code, signal });
      }),
    ),
  };
  // A write to a child that has just been killed fails with EPIPE: nothing to do.
  proc.stdin?.on('error', () => {});
  proc.stdout?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    if (text.includes('ready')) child.ready = true;
    if (text.includes('started')) child.working = true;
  });
  let partial = '';
  proc.stderr?.on('data', (chunk: Buffer) => {
    child.stderr = (child.stderr + chunk.toString()).slice(-4000);
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() as string;
    for (const line of lines) if (line.trim() !== '') countError(line);
  });
  children.push(child);
  return child;
}

const isActive = (c: Child) => c.alive && c.activated && !c.expected;
const isSpare = (c: Child) => c.alive && !c.activated && !c.expected;

/**
 * Starts ready spares while fewer than WORKERS workers are active, and keeps SPARES spares loading
 * or loaded (at most WORKERS + KILLS processes in all: one per worker and per replacement).
 */
function topUp(): void {
  for (const spare of children.filter((c) => isSpare(c) && c.ready)) {
    if (children.filter(isActive).length >= WORKERS) break;
    spare.activated = true;
    spare.proc.stdin?.write('go\n');
  }
  let spares = children.filter(isSpare).length;
  while (spares < SPARES && children.length < WORKERS + KILLS) {
    spawnWorker();
    spares++;
  }
}

/** Stops the live workers gracefully (SIGTERM), killing those that do not exit in time. */
async function stopAll(timeout = 15_000): Promise<void> {
  const live = children.filter((c) => c.alive);
  for (const c of live) {
    c.expected = true;
    c.proc.kill('SIGTERM');
  }
  await Promise.all(
    live.map(async (c) => {
      const timer = setTimeout(() => c.proc.kill('SIGKILL'), timeout);
      await c.exited;
      clearTimeout(timer);
    }),
  );
}

async function one<Row>(text: string, params: unknown[] = []): Promise<Row> {
  const [row] = await db.rawQuery<Row>(text, params);
  return row as Row;
}

const progress = (type: string) =>
  one<{ completed: number; failed: number; running: number }>(
    `select count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where status = 'failed')::int as failed,
            count(*) filter (where status = 'running')::int as running
       from public.tasks where type = $1`,
    [type],
  );

/** What the queue and the results say about the tasks of `type`, read as the superuser. */
async function audit(type: string) {
  const tasks = await one<{ tasks: number; completed: number; reclaimed: number; maxAttempts: number }>(
    `select count(*)::int as tasks, count(*) filter (where status = 'completed')::int as completed,
            count(*) filter (where attempts > 1)::int as reclaimed, coalesce(max(attempts), 0)::int as "maxAttempts"
       from public.tasks where type = $1`,
    [type],
  );
  const results = await one<{ results: number; withResult: number; wrong: number }>(
    `select count(*)::int as results, count(distinct r.task_id)::int as "withResult",
            count(*) filter (where (r.output ->> 'sawTenant') is distinct from r.tenant_id::text)::int as wrong
       from public.agent_results r
       join public.tasks t on t.tenant_id = r.tenant_id and t.id = r.task_id
      where t.type = $1`,
    [type],
  );
  const duplicated = await one<{ n: number }>(
    `select count(*)::int as n from (
       select r.tenant_id, r.task_id from public.agent_results r
         join public.tasks t on t.tenant_id = r.tenant_id and t.id = r.task_id
        where t.type = $1
        group by r.tenant_id, r.task_id having count(*) > 1) d`,
    [type],
  );
  return {
    ...tasks,
    results: results.results,
    lost: tasks.tasks - results.withResult,
    duplicates: duplicated.n,
    wrongContexts: results.wrong,
  };
}

describe.runIf(isServer)('tasks: worker processes killed with SIGKILL', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
    db = t.db;
    for (let i = 0; i < TENANTS; i += 5) {
      const batch = Array.from({ length: Math.min(5, TENANTS - i) }, (_, j) => ownerContext(db, `Crash ${i + j}`));
      tenants.push(...(await Promise.all(batch)));
    }
  }, 120_000);

  afterAll(async () => {
    for (const c of children) if (c.alive) c.proc.kill('SIGKILL');
    await Promise.all(children.map((c) => c.exited));
    await t?.dispose();
    tenants = [];
  }, 60_000);

  it(`${TASKS} tasks over ${TENANTS} tenants, ${WORKERS} workers, ${KILLS} SIGKILLs: each completes once, in its tenant`, async () => {
    const deadline = Date.now() + 170_000;
    // A process takes seconds to load on a busy machine: replacements are spawned ahead (loaded,
    // not connected), so that one starts the moment a worker is killed.
    for (let i = 0; i < WORKERS; i++) spawnWorker();
    topUp();
    while (children.filter((c) => isActive(c) && c.working).length < WORKERS) {
      if (Date.now() > deadline) throw new Error('the workers did not start');
      await sleep(50);
      topUp();
    }
    const started = Date.now();

    // The tasks, spread evenly over the tenants, each through its tenant's client (RLS applies).
    // maxAttempts high enough that lease expiries never exhaust a task.
    await Promise.all(
      tenants.map((tenant, i) => {
        const n = Math.floor(TASKS / TENANTS) + (i < TASKS % TENANTS ? 1 : 0);
        return enqueueMany(
          tenantOf(db, tenant),
          Array.from({ length: n }, (_, k) => ({ type: TYPE, maxAttempts: 50, payload: { k } })),
        );
      }),
    );

    // The kills, at random points of the run (by tasks completed, in its first 80 %), each of a
    // random working worker, only while at least WORKERS - 1 work (so that at least 2 always do);
    // a ready spare replaces it at once (else as soon as one is ready).
    const points = Array.from({ length: KILLS }, () => Math.floor(TASKS * (0.02 + 0.78 * Math.random()))).sort(
      (x, y) => x - y,
    );
    let kills = 0;
    let orphaned = 0;
    let killedAfterDrain = 0;
    let completed = 0;
    while (kills < KILLS) {
      if (Date.now() > deadline) throw new Error(`timed out after ${kills} kills, ${completed} tasks completed`);
      await sleep(20 + Math.random() * 80);
      topUp();
      const p = await progress(TYPE);
      completed = p.completed;
      expect(p.failed).toBe(0);
      const working = children.filter((c) => isActive(c) && c.working);
      if (completed < (points[kills] as number) || working.length < WORKERS - 1) continue;
      const victim = working[Math.floor(Math.random() * working.length)] as Child;
      victim.expected = true;
      victim.proc.kill('SIGKILL');
      await victim.exited;
      topUp();
      kills++;
      if (completed >= TASKS) killedAfterDrain++;
      // What it held when it died (running, leased to it): back in the queue once the lease expires.
      const held = await one<{ n: number }>(
        `select count(*)::int as n from public.tasks where type = $1 and status = 'running' and locked_by = $2`,
        [TYPE, `crash:${victim.pid}`],
      );
      orphaned += held.n;
    }

    // The survivors and replacements drain the queue.
    for (;;) {
      const p = await progress(TYPE);
      expect(p.failed).toBe(0);
      if (p.completed >= TASKS) break;
      if (Date.now() > deadline) throw new Error(`timed out draining: ${JSON.stringify(p)}`);
      await sleep(200);
    }
    const elapsed = (Date.now() - started) / 1000;
    await stopAll();

    const crashed = children.filter((c) => !c.expected);
    expect(crashed.map((c) => `worker ${c.pid} exited by itself: ${c.stderr}`)).toEqual([]);
    const a = await audit(TYPE);
    const perTenant = await db.rawQuery<{ tenant_id: string; n: number }>(
      `select tenant_id, count(*)::int as n from public.tasks where type = $1 and status = 'completed' group by tenant_id`,
      [TYPE],
    );
    console.log(
      `crash test [${backend}/${connections}]: tasks ${a.tasks}, kills ${kills} (tasks held by the killed: ${orphaned}), ` +
        `completed ${a.completed}, results ${a.results}, lost ${a.lost}, duplicates ${a.duplicates}, ` +
        `wrong contexts ${a.wrongContexts}, claimed more than once ${a.reclaimed} (max attempts ${a.maxAttempts}), ` +
        `elapsed ${elapsed.toFixed(1)} s`,
    );
    if (workerErrors.size > 0) {
      // Logged by the workers, which carried on: the assertions below say whether anything was lost.
      const lines = [...workerErrors].map(([error, n]) => `  ${n} × ${error}`);
      console.log(`worker errors (the workers carried on):\n${lines.join('\n')}`);
    }

    expect(kills).toBe(KILLS);
    expect(killedAfterDrain).toBe(0);
    expect(a.tasks).toBe(TASKS);
    expect(a.completed).toBe(TASKS);
    expect(a.results).toBe(TASKS);
    expect(a.lost).toBe(0);
    expect(a.duplicates).toBe(0);
    expect(a.wrongContexts).toBe(0);
    expect(perTenant).toHaveLength(TENANTS);
    expect(perTenant.reduce((sum, r) => sum + r.n, 0)).toBe(TASKS);
  }, 180_000);

  it('the checks can fail: a handler in another tenant’s scope, or in none, is caught; without RLS it sees all', async () => {
    const type = 'crash.wrong';
    const perTenant = 2;
    await Promise.all(
      tenants.map((tenant) =>
        enqueueMany(
          tenantOf(db, tenant),
          Array.from({ length: perTenant }, () => ({ type })),
        ),
      ),
    );
    const index = new Map(tenants.map((tenant, i) => [tenant.tenantId, i]));
    /** A query on the application connection with no tenant context opened, as tenantdb_app. */
    const noContext = (on: TestDb) =>
      on.tenantTransaction(async (tx) => {
        if (on.switchRole) await tx.execute(sql`set local role tenantdb_app`);
        const [row] = rowsOf<{ t: string | null; n: number }>(
          await tx.execute(
            sql`select current_setting('app.current_tenant_id', true) as t, count(*)::int as n from public.tasks`,
          ),
        );
        return { tenant: row?.t ?? null, tasks: Number(row?.n) };
      });
    const worker = createWorker(db, {
      concurrency: 4,
      pollInterval: 50,
      lease: 5_000,
      handleSignals: false,
      listen: canListen,
      handlers: {
        [type]: async (task, scope) => {
          // The bug this guards against: the handler handed a scope of the wrong tenant…
          const other = tenants[((index.get(task.tenantId) as number) + 1) % tenants.length] as TenantContext;
          const [seen] = await createStatementScope(db, { tenantId: other.tenantId }).query<{ t: string }>(
            `select current_setting('app.current_tenant_id', true) as t`,
          );
          // …or none at all; and what the task's own scope sees.
          const none = await noContext(db);
          const [own] = await scope.query<{ n: number }>(`select count(*)::int as n from public.tasks`);
          return {
            output: { sawTenant: seen?.t, noContextTenant: none.tenant, noContextTasks: none.tasks, ownTasks: own?.n },
          };
        },
      },
    });
    await worker.start();
    const total = perTenant * tenants.length;
    const end = Date.now() + 60_000;
    try {
      while ((await progress(type)).completed < total) {
        if (Date.now() > end) throw new Error('timed out');
        await sleep(50);
      }
    } finally {
      await worker.stop();
    }

    const a = await audit(type);
    expect([a.completed, a.results, a.duplicates, a.lost]).toEqual([total, total, 0, 0]);
    // The check of the crash test catches every one of them.
    expect(a.wrongContexts).toBe(total);

    const outputs = await db.rawQuery<{ tenant_id: string; output: Record<string, unknown> }>(
      `select r.tenant_id, r.output from public.agent_results r
         join public.tasks t on t.tenant_id = r.tenant_id and t.id = r.task_id where t.type = $1`,
      [type],
    );
    const counts = new Map(
      (
        await db.rawQuery<{ tenant_id: string; n: number }>(
          `select tenant_id, count(*)::int as n from public.tasks group by tenant_id`,
        )
      ).map((r) => [r.tenant_id, Number(r.n)]),
    );
    const all = [...counts.values()].reduce((sum, n) => sum + n, 0);
    expect(outputs).toHaveLength(total);
    for (const { tenant_id, output } of outputs) {
      expect(output.sawTenant).not.toBe(tenant_id);
      // No context as tenantdb_app: no tenant, no row (RLS fails closed).
      expect(output.noContextTenant ?? '').toBe('');
      expect(output.noContextTasks).toBe(0);
      // The task's own scope: exactly its tenant's tasks.
      expect(output.ownTasks).toBe(counts.get(tenant_id));
    }

    // The protection removed: a privileged connection that keeps its role (RLS bypassed) runs the
    // same context-less query and sees every tenant's tasks — the attack succeeds.
    const privileged = await t.connect({ dangerouslySkipRoleSwitch: true, max: 2 });
    const bypass = (await noContext(privileged)).tasks;
    expect(bypass).toBe(all);
    expect(bypass).toBeGreaterThan(Math.max(...counts.values()));
  }, 120_000);
});
