/**
 * The task queue (src/tasks) on a database of its own, `tenantdb_bench_tasks`, recreated on every
 * run (an in-memory PGlite with --pglite):
 *
 * 1. Fairness. One tenant queues BIG_TASKS × scale tasks (at least 1,000) first, then 100 tenants
 *    queue one task each. FAIRNESS_WORKERS claim loops (`claimTasks`, CLAIM_BATCH per claim,
 *    completing each batch with `completeTasks`) drain the queue; a shared counter numbers the
 *    tasks as the claims return. Reported: the position of the small tenants' tasks in that order
 *    (the last one is judged), and, for control, where a FIFO claim would have put them: pg-boss's
 *    fetch order (`ORDER BY priority DESC, created, id`) over the same rows, read-only, before
 *    the claims.
 * 2. Throughput, enqueue → claim → complete with no-op handlers: JOBS × scale jobs (at least
 *    300), tenantdb against pg-boss (its own schema in the same database, same server, same run),
 *    at 1 and 4 workers. Each run starts empty and is timed from the first enqueue to the last
 *    completion: first the enqueueing (tenantdb: `enqueueMany` through a tenant client, per
 *    tenant of JOB_TENANTS; pg-boss: `insert` into one queue; the same number of calls of the
 *    same size), then the workers drain the queue (tenantdb: `claimTasks` + `completeTasks`;
 *    pg-boss: `fetch({ batchSize })` + `complete(ids)`; CLAIM_BATCH on both sides). Claim and
 *    complete calls are timed on their own too, to show where the time goes. An information row
 *    runs tenantdb's own worker (`createWorker`, one per worker, concurrency CLAIM_BATCH), which
 *    runs each handler in a tenant scope and batches completions. The sides take turns ABBA
 *    (after an unmeasured warm-up of a quarter of the jobs with --warmup > 0).
 *
 * On PGlite (one connection) only the single-worker parts run: fairness with one claim loop and
 * throughput at 1 worker, pg-boss on an in-memory PGlite of its own in the same process.
 */
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { PGlite } from '@electric-sql/pglite';
import PgBoss from 'pg-boss';
import {
  createSystemClient,
  createTenantClient,
  type BuiltinSchema,
  type Database,
  type SystemClient,
  type TenantClient,
} from '../../src/index.ts';
import {
  claimTasks,
  completeAndClaim,
  completeTasks,
  createWorker,
  enqueue,
  enqueueMany,
  type WorkerEvent,
} from '../../src/tasks/index.ts';
import { openBenchDatabase, serverVersion, type BenchDatabase } from '../databases.ts';
import { renderColumns } from '../columns.ts';
import { format, log, Progress } from '../progress.ts';
import { standalone, type StandaloneTarget } from './standalone.ts';

const DATABASE = 'tenantdb_bench_tasks';
/** The big tenant's queued tasks at scale 1 (at least MIN_BIG_TASKS). */
const BIG_TASKS = 10_000;
const MIN_BIG_TASKS = 1_000;
const SMALL_TENANTS = 100;
/** Every small tenant's task among the first this many claimed. */
const FAIR_POSITION_MAX = 200;
const FAIRNESS_WORKERS = 4;
/** Throughput jobs at scale 1 (at least MIN_JOBS), spread evenly over JOB_TENANTS on tenantdb's side. */
const JOBS = 2_000;
const MIN_JOBS = 300;
const JOB_TENANTS = 10;
const WORKER_COUNTS = [1, 4] as const;
/** Tasks per claim (claimTasks' limit, pg-boss fetch's batchSize, createWorker's concurrency). */
const CLAIM_BATCH = 10;
/** Tasks per enqueue call on both sides (at most the jobs per tenant). */
const ENQUEUE_BATCH = 100;
/** Pool size of each side (tenantdb's createDatabase max, pg-boss's max). */
const POOL = 10;
const LEASE_MS = 60_000;
/** createWorker's poll when idle (it is woken by NOTIFY and by finished handlers before that). */
const WORKER_POLL_MS = 50;
/** tenantdb jobs/s ÷ pg-boss jobs/s, at each worker count. */
const RATIO_MIN = 1.0;
const TYPE = 'bench.noop';
const SYSTEM_REASON = 'bench: tasks';
const QUEUE = 'bench-noop';
const PGBOSS_SCHEMA = 'pgboss';
/** A drain that completes nothing for this long has failed. */
const STALL_MS = 60_000;

const PGBOSS_VERSION = (createRequire(import.meta.url)('pg-boss/package.json') as { version: string }).version;

const DESCRIPTION =
  'task queue: tenant-fair claim (one tenant with 10,000 queued tasks × scale first, 100 tenants with one each; ' +
  'where the small tenants land in the claim order, against FIFO), and enqueue → claim → complete throughput ' +
  'with no-op handlers against pg-boss at 1 and 4 workers (ABBA)';

type SideName = 'cycle' | 'tenantdb' | 'pg-boss' | 'createWorker';

const SIDE_LABELS: Record<SideName, string> = {
  cycle: 'tenantdb completeAndClaim',
  tenantdb: 'tenantdb claimTasks + completeTasks (info)',
  'pg-boss': `pg-boss ${PGBOSS_VERSION} fetch + complete`,
  createWorker: 'tenantdb createWorker (info)',
};

/** Calls of one kind (claims or completions): how many, and their summed wall time. */
class Calls {
  calls = 0;
  ms = 0;
  async time<T>(fn: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      this.ms += performance.now() - t0;
      this.calls += 1;
    }
  }
}

interface Run {
  side: SideName;
  workers: number;
  jobs: number;
  enqueueSeconds: number;
  drainSeconds: number;
  /** From the first enqueue to the last completion. */
  seconds: number;
  /** Summed over the workers (null for createWorker, whose calls are its own). */
  claim: { calls: number; ms: number } | null;
  complete: { calls: number; ms: number } | null;
  /** tenantdb: the system transactions of the drain (claims, completions, heartbeats), from its log. */
  systemTransactions: number | null;
}

interface SideSummary {
  side: SideName;
  workers: number;
  runs: number;
  jobs: number;
  seconds: number;
  jobsPerSec: number;
  enqueueMsPerRun: number;
  drainMsPerRun: number;
  claim: { calls: number; msPerCall: number } | null;
  complete: { calls: number; msPerCall: number } | null;
  systemTransactionsPerRun: number | null;
  /** This side's jobs/s ÷ pg-boss's at the same worker count. */
  vsPgBoss: number;
  /** Seconds of each measured run, in the order they ran. */
  runSeconds: number[];
}

interface Fairness {
  workers: number;
  bigTasks: number;
  smallTenants: number;
  /** Claim positions (1 = the first task claimed) of the small tenants' tasks, ascending. */
  smallPositions: number[];
  first: number;
  median: number;
  last: number;
  /** Claim calls up to and including the one that took the last small tenant's task. */
  claimsUntilLast: number;
  bigTasksBeforeLast: number;
  fifo: { first: number; median: number; last: number };
  claimed: number;
  claimCalls: number;
  drainSeconds: number;
}

/** pg-boss on the same server (its own schema) or, with --pglite, on an in-memory PGlite of its own. */
interface PgBossSide {
  boss: PgBoss;
  where: string;
  sql(text: string, values?: unknown[]): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export const taskQueue = standalone({
  name: 'tasks',
  description: DESCRIPTION,
  async run(env) {
    const pglite = env.backend.kind === 'pglite';
    const bench = await openBenchDatabase(env.backend, DATABASE, { fresh: true, concurrency: POOL });
    let pgBoss: PgBossSide | undefined;
    try {
      const version = await serverVersion(bench.raw);
      const system = createSystemClient(bench.db, { reason: SYSTEM_REASON });
      const bigTasks = Math.max(MIN_BIG_TASKS, Math.round(BIG_TASKS * env.scale));
      const jobs = Math.max(MIN_JOBS, Math.round((JOBS * env.scale) / JOB_TENANTS) * JOB_TENANTS);
      const workerCounts: number[] = pglite ? [1] : [...WORKER_COUNTS];
      const fairnessWorkers = pglite ? 1 : FAIRNESS_WORKERS;

      const fairness = await measureFairness(bench, system, bigTasks, fairnessWorkers);
      await resetTenantdb(bench);

      pgBoss = await openPgBoss(bench);
      const tenants = await createTenants(bench, 'tasks-throughput', JOB_TENANTS);
      const clients = tenants.map((tenantId) => createTenantClient(bench.db, { tenantId }));
      const runs: Run[] = [];
      const warmJobs = Math.max(JOB_TENANTS, Math.round(jobs / 4 / JOB_TENANTS) * JOB_TENANTS);
      for (const workers of workerCounts) {
        const order: SideName[] = ['cycle', 'tenantdb', 'pg-boss', 'createWorker'];
        const abba = [...order, ...[...order].reverse()];
        const progress = new Progress(
          `tasks: throughput, ${workers} worker${workers === 1 ? '' : 's'}, ${format(jobs)} jobs per run, ${abba.join(' / ')}`,
          (env.warmup > 0 ? order.length : 0) + abba.length,
          'runs',
        );
        if (env.warmup > 0) {
          for (const side of order) {
            await runSide(side, { bench, system, clients, pgBoss, workers, jobs: warmJobs });
            progress.tick(1);
          }
        }
        for (const side of abba) {
          runs.push(await runSide(side, { bench, system, clients, pgBoss, workers, jobs }));
          progress.tick(1);
        }
        progress.finish();
      }
      const sides = summarise(runs, workerCounts);

      const targets: StandaloneTarget[] = [
        {
          label: `fairness: claim position of the last of ${SMALL_TENANTS} small tenants' tasks`,
          value: fairness.last,
          limit: `≤ ${FAIR_POSITION_MAX}`,
          met: fairness.last <= FAIR_POSITION_MAX,
        },
        ...workerCounts.map((workers) => {
          const ratio = sideOf(sides, 'cycle', workers).vsPgBoss;
          return {
            label: `throughput at ${workers} worker${workers === 1 ? '' : 's'}: tenantdb (completeAndClaim) jobs/s ÷ pg-boss jobs/s`,
            value: ratio,
            limit: `≥ ${RATIO_MIN}`,
            met: ratio >= RATIO_MIN,
          };
        }),
      ];
      const text = [
        `tasks (${env.backend.kind} ${version}, pg-boss ${PGBOSS_VERSION} ${pgBoss.where}): the task queue's tenant-fair ` +
          'claim, and enqueue → claim → complete throughput with no-op handlers against pg-boss',
        ...(pglite
          ? [
              '  --pglite: single-worker parts only (PGlite is one connection): fairness with 1 claim loop, throughput at ' +
                '1 worker; the 4-worker measurements need a server',
            ]
          : []),
        '',
        renderFairness(fairness),
        `  ${format(fairness.bigTasks)} tasks of one tenant queued first, then 1 task each of ${fairness.smallTenants} tenants; ` +
          `${fairness.workers} claim loop${fairness.workers === 1 ? '' : 's'} of claimTasks (limit ${CLAIM_BATCH}) + completeTasks, ` +
          'positions numbered as the claims returned.',
        `  The last small tenant's task came with claim call ${format(fairness.claimsUntilLast)}, after ` +
          `${format(fairness.bigTasksBeforeLast)} of the big tenant's tasks; all ${format(fairness.claimed)} tasks drained in ` +
          `${fairness.drainSeconds.toFixed(2)} s (${format(fairness.claimCalls)} claim calls).`,
        '  FIFO: the row numbers of the same pending rows in pg-boss fetch order (ORDER BY priority DESC, created_at, id), ' +
          'read before the claims, without claiming anything.',
        '',
        renderThroughput(sides, workerCounts),
        `  ${format(jobs)} jobs per run, ${sides[0]?.runs ?? 0} runs per side and worker count (ABBA` +
          `${env.warmup > 0 ? `, after an unmeasured warm-up of ${format(warmJobs)} jobs per side` : ''}), each run from an ` +
          'empty queue, timed from the first enqueue to the last completion: enqueue, then drain.',
        `  tenantdb: enqueueMany through a tenant client, ${JOB_TENANTS} tenants × ${format(jobs / JOB_TENANTS)} jobs in ` +
          `batches of ${enqueueBatch(jobs)}; pg-boss: insert into one queue, the same number of calls of the same size. ` +
          `Claims of ${CLAIM_BATCH} (limit / batchSize), each batch completed in one call; ` +
          (pglite ? 'one PGlite connection each.' : `pools of ${POOL} connections on both sides.`),
        '  ms/claim and ms/complete: mean wall time of one call (a claim that found nothing included), per worker. ' +
          'completeAndClaim: one claimTasks, then each batch completed and the next claimed in one call (its ' +
          'calls are the ms/complete column). ' +
          `createWorker: ${CLAIM_BATCH} handlers at once per worker, each in a tenant scope, completions batched ` +
          'and sent with the next claim (completeAndClaim).',
        "  sys txns/run: tenantdb's system transactions per run (claims, completions, heartbeats; each BEGIN, " +
          'open_system_context, the call, COMMIT), counted in tenantdb.system_context_log; pg-boss runs each call as one ' +
          'statement.',
        ...renderTimeSplit(sides, workerCounts),
        '',
        `tasks targets met: ${targets.filter((t) => t.met).length}/${targets.length}` +
          targets
            .filter((t) => !t.met)
            .map((t) => `\n  missed: ${t.label} = ${t.value} (target ${t.limit})`)
            .join(''),
      ].join('\n');
      log(
        `tasks: last small tenant at claim ${fairness.last} (FIFO ${fairness.fifo.last}); ` +
          workerCounts
            .map(
              (w) =>
                `${w} worker${w === 1 ? '' : 's'}: tenantdb completeAndClaim ÷ pg-boss ${sideOf(sides, 'cycle', w).vsPgBoss}`,
            )
            .join(', '),
      );
      return {
        name: 'tasks',
        description: DESCRIPTION,
        database: bench.name,
        serverVersion: version,
        text,
        targets,
        details: {
          pgBoss: { version: PGBOSS_VERSION, where: pgBoss.where },
          singleWorkerOnly: pglite,
          claimBatch: CLAIM_BATCH,
          enqueueBatch: enqueueBatch(jobs),
          pool: POOL,
          leaseMs: LEASE_MS,
          fairness,
          throughput: { jobs, tenants: JOB_TENANTS, warmupJobs: env.warmup > 0 ? warmJobs : 0, sides, runs },
        },
      };
    } finally {
      await pgBoss?.close();
      await bench.close();
    }
  },
});

const INSERT_TENANTS = `
  INSERT INTO public.tenants (id, name, slug, status)
  SELECT id, name, slug, 'ACTIVE' FROM unnest($1::uuid[], $2::text[], $3::text[]) AS r(id, name, slug)`;

async function createTenants(bench: BenchDatabase, prefix: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, () => randomUUID());
  const labels = ids.map((_, k) => `${prefix}-${String(k).padStart(3, '0')}`);
  await bench.raw.query(INSERT_TENANTS, [ids, labels, labels]);
  return ids;
}

/** An empty queue (not timed): the tasks and the agent results their completion wrote. */
async function resetTenantdb(bench: BenchDatabase): Promise<void> {
  await bench.raw.query('TRUNCATE public.agent_results, public.tasks');
}

async function measureFairness(
  bench: BenchDatabase,
  system: SystemClient<BuiltinSchema>,
  bigTasks: number,
  workers: number,
): Promise<Fairness> {
  const [big] = await createTenants(bench, 'tasks-big', 1);
  const small = await createTenants(bench, 'tasks-small', SMALL_TENANTS);
  if (big === undefined) throw new Error('tasks: the big tenant was not created');
  const progress = new Progress(`tasks: fairness, queueing ${format(bigTasks + small.length)} tasks`, 2, 'steps');
  // The big tenant first: every one of its tasks has waited longer than any small tenant's.
  const bigClient = createTenantClient(bench.db, { tenantId: big });
  for (let start = 0; start < bigTasks; start += 1000) {
    const count = Math.min(1000, bigTasks - start);
    await enqueueMany(
      bigClient,
      Array.from({ length: count }, (_, k) => ({ type: TYPE, payload: { n: start + k } })),
    );
  }
  progress.tick(1);
  for (const tenantId of small) {
    await enqueue(createTenantClient(bench.db, { tenantId }), { type: TYPE, payload: { n: 0 } });
  }
  progress.tick(1);
  progress.finish();
  await bench.raw.query('VACUUM (ANALYZE) public.tasks');

  // Where FIFO (pg-boss's fetch order) would put the small tenants' tasks: read-only.
  const [fifo] = await bench.raw.query<{ first: number; median: number; last: number }>(
    `SELECT min(pos)::int AS first, percentile_disc(0.5) WITHIN GROUP (ORDER BY pos)::int AS median, max(pos)::int AS last
       FROM (SELECT tenant_id, row_number() OVER (ORDER BY priority DESC, created_at, id) AS pos
               FROM public.tasks WHERE status = 'pending' AND type = $1) q
      WHERE tenant_id <> $2`,
    [TYPE, big],
  );
  if (fifo === undefined) throw new Error('tasks: the FIFO control found no rows');

  const total = bigTasks + small.length;
  const drain = new Progress(
    `tasks: fairness, ${workers} claim loop${workers === 1 ? '' : 's'} draining ${format(total)} tasks`,
    total,
    'tasks',
  );
  let position = 0;
  let claimCalls = 0;
  let claimsUntilLast = 0;
  const smallTenants = new Set(small);
  const smallPositions: number[] = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const workerId = `bench-fairness-${w + 1}`;
      for (;;) {
        const claimed = await claimTasks(system, { workerId, limit: CLAIM_BATCH, lease: LEASE_MS, types: [TYPE] });
        claimCalls += 1;
        if (claimed.length === 0) return;
        for (const task of claimed) {
          position += 1;
          if (smallTenants.has(task.tenantId)) {
            smallPositions.push(position);
            if (smallPositions.length === small.length) claimsUntilLast = claimCalls;
          }
        }
        await completeTasks(system, { workerId, tasks: claimed.map((task) => ({ task })) });
        drain.tick(claimed.length);
      }
    }),
  );
  const drainSeconds = (performance.now() - t0) / 1000;
  drain.finish();
  if (position !== total || smallPositions.length !== small.length) {
    throw new Error(
      `tasks: fairness claimed ${position} of ${total} tasks, ${smallPositions.length} of ${small.length} small tenants' tasks`,
    );
  }
  smallPositions.sort((a, b) => a - b);
  const last = smallPositions[smallPositions.length - 1] as number;
  return {
    workers,
    bigTasks,
    smallTenants: small.length,
    smallPositions,
    first: smallPositions[0] as number,
    median: smallPositions[Math.floor((smallPositions.length - 1) / 2)] as number,
    last,
    claimsUntilLast,
    bigTasksBeforeLast: last - small.length,
    fifo,
    claimed: position,
    claimCalls,
    drainSeconds: round3(drainSeconds),
  };
}

async function openPgBoss(bench: BenchDatabase): Promise<PgBossSide> {
  let instance: PGlite | undefined;
  let options: PgBoss.ConstructorOptions;
  let where: string;
  if (bench.url !== undefined) {
    options = { connectionString: bench.url, schema: PGBOSS_SCHEMA, max: POOL };
    where = `in schema ${PGBOSS_SCHEMA} of ${bench.name}`;
  } else {
    // pg-boss's own statements with parameters go through query(); its scripts (no parameters,
    // several statements, their own BEGIN/COMMIT) through exec().
    const pg = new PGlite();
    instance = pg;
    options = {
      schema: PGBOSS_SCHEMA,
      db: {
        executeSql: async (text, values) => {
          if (values !== undefined && values.length > 0) return { rows: (await pg.query(text, values)).rows };
          const results = await pg.exec(text);
          return { rows: results[results.length - 1]?.rows ?? [] };
        },
      },
    };
    where = 'on an in-memory PGlite of its own';
  }
  // No maintenance, no cron: neither side runs anything but the measured calls.
  const boss = new PgBoss({ ...options, supervise: false, schedule: false });
  const errors: unknown[] = [];
  boss.on('error', (error) => errors.push(error));
  await boss.start();
  await boss.createQueue(QUEUE);
  const db = boss.getDb();
  return {
    boss,
    where,
    sql: async (text, values = []) => {
      if (errors.length > 0) throw new Error(`pg-boss reported an error: ${String(errors[0])}`);
      return (await db.executeSql(text, values)).rows as Record<string, unknown>[];
    },
    close: async () => {
      await boss.stop({ graceful: false });
      await instance?.close();
    },
  };
}

function enqueueBatch(jobs: number): number {
  return Math.min(ENQUEUE_BATCH, jobs / JOB_TENANTS);
}

interface RunEnv {
  bench: BenchDatabase;
  system: SystemClient<BuiltinSchema>;
  clients: TenantClient<BuiltinSchema>[];
  pgBoss: PgBossSide;
  workers: number;
  jobs: number;
}

/** One run of a side: an empty queue, then (timed) the enqueueing and the drain. */
async function runSide(side: SideName, env: RunEnv): Promise<Run> {
  if (side === 'pg-boss') await env.pgBoss.sql(`TRUNCATE ${PGBOSS_SCHEMA}.job`);
  else await resetTenantdb(env.bench);
  const claim = new Calls();
  const complete = new Calls();
  const t0 = performance.now();
  if (side === 'pg-boss') await enqueuePgBoss(env.pgBoss.boss, env.jobs);
  else await enqueueTenantdb(env.clients, env.jobs);
  const logged = side === 'pg-boss' ? 0 : await systemLogId(env.bench);
  const t1 = performance.now();
  if (side === 'cycle') await drainCycle(env.system, env.workers, claim, complete);
  else if (side === 'tenantdb') await drainTenantdb(env.system, env.workers, claim, complete);
  else if (side === 'pg-boss') await drainPgBoss(env.pgBoss.boss, env.workers, claim, complete);
  else await drainWorkers(env.bench.db, env.workers, env.jobs);
  const t2 = performance.now();

  const [done] =
    side === 'pg-boss'
      ? await env.pgBoss.sql(
          `SELECT count(*)::int AS n FROM ${PGBOSS_SCHEMA}.job WHERE name = $1 AND state = 'completed'`,
          [QUEUE],
        )
      : await env.bench.raw.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM public.tasks WHERE type = $1 AND status = 'completed'",
          [TYPE],
        );
  if (Number(done?.n) !== env.jobs) {
    throw new Error(`tasks: ${side} completed ${String(done?.n)} of ${env.jobs} jobs`);
  }
  const measured = side !== 'createWorker';
  const systemTransactions =
    side === 'pg-boss'
      ? null
      : Number(
          (
            await env.bench.raw.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM tenantdb.system_context_log WHERE id > $1 AND (reason = $2 OR reason LIKE 'task worker bench-worker-%')",
              [logged, SYSTEM_REASON],
            )
          )[0]?.n,
        );
  return {
    side,
    workers: env.workers,
    jobs: env.jobs,
    enqueueSeconds: round4((t1 - t0) / 1000),
    drainSeconds: round4((t2 - t1) / 1000),
    seconds: round4((t2 - t0) / 1000),
    claim: measured ? { calls: claim.calls, ms: round3(claim.ms) } : null,
    complete: measured ? { calls: complete.calls, ms: round3(complete.ms) } : null,
    systemTransactions,
  };
}

/** The last row of the system context log (0 when empty). */
async function systemLogId(bench: BenchDatabase): Promise<number> {
  const [row] = await bench.raw.query<{ id: string }>(
    'SELECT COALESCE(max(id), 0) AS id FROM tenantdb.system_context_log',
  );
  return Number(row?.id ?? 0);
}

/** Round-robin over the tenants, a batch each: enqueueMany, each call its own tenant transaction. */
async function enqueueTenantdb(clients: TenantClient<BuiltinSchema>[], jobs: number): Promise<void> {
  const perTenant = jobs / clients.length;
  const batch = enqueueBatch(jobs);
  for (let start = 0; start < perTenant; start += batch) {
    const count = Math.min(batch, perTenant - start);
    for (const client of clients) {
      await enqueueMany(
        client,
        Array.from({ length: count }, (_, k) => ({ type: TYPE, payload: { n: start + k } })),
      );
    }
  }
}

/** The same calls as enqueueTenantdb's (count and size), into one queue. */
async function enqueuePgBoss(boss: PgBoss, jobs: number): Promise<void> {
  const batch = enqueueBatch(jobs);
  for (let start = 0; start < jobs; start += batch) {
    const count = Math.min(batch, jobs - start);
    await boss.insert(Array.from({ length: count }, (_, k) => ({ name: QUEUE, data: { n: start + k } })));
  }
}

/** Claim loops until the queue is empty (every job was queued before they started). */
async function drainTenantdb(
  system: SystemClient<BuiltinSchema>,
  workers: number,
  claim: Calls,
  complete: Calls,
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const workerId = `bench-throughput-${w + 1}`;
      for (;;) {
        const claimed = await claim.time(() =>
          claimTasks(system, { workerId, limit: CLAIM_BATCH, lease: LEASE_MS, types: [TYPE] }),
        );
        if (claimed.length === 0) return;
        // The no-op handler, then the batch's completion in one call.
        await complete.time(() => completeTasks(system, { workerId, tasks: claimed.map((task) => ({ task })) }));
      }
    }),
  );
}

/**
 * The same loops on completeAndClaim: one claim, then each batch's completion and the next claim
 * in one call (timed as the "complete" calls), until a call claims nothing.
 */
async function drainCycle(
  system: SystemClient<BuiltinSchema>,
  workers: number,
  claim: Calls,
  complete: Calls,
): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      const workerId = `bench-throughput-${w + 1}`;
      let claimed = await claim.time(() =>
        claimTasks(system, { workerId, limit: CLAIM_BATCH, lease: LEASE_MS, types: [TYPE] }),
      );
      while (claimed.length > 0) {
        const held = claimed;
        ({ claimed } = await complete.time(() =>
          completeAndClaim(system, {
            workerId,
            limit: CLAIM_BATCH,
            lease: LEASE_MS,
            types: [TYPE],
            tasks: held.map((task) => ({ task })),
          }),
        ));
      }
    }),
  );
}

async function drainPgBoss(boss: PgBoss, workers: number, claim: Calls, complete: Calls): Promise<void> {
  await Promise.all(
    Array.from({ length: workers }, async () => {
      for (;;) {
        const jobs = await claim.time(() => boss.fetch(QUEUE, { batchSize: CLAIM_BATCH }));
        if (jobs.length === 0) return;
        await complete.time(() =>
          boss.complete(
            QUEUE,
            jobs.map((job) => job.id),
          ),
        );
      }
    }),
  );
}

/** `workers` createWorker instances until every job is completed; stopped afterwards (not timed). */
async function drainWorkers(db: Database<BuiltinSchema>, workers: number, jobs: number): Promise<void> {
  let completed = 0;
  let lastProgress = performance.now();
  let settle!: (error?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  const onEvent = (event: WorkerEvent) => {
    if (event.type === 'task:completed') {
      completed += 1;
      lastProgress = performance.now();
      if (completed === jobs) settle();
    } else if (
      event.type === 'worker:error' ||
      event.type === 'task:failed' ||
      event.type === 'task:retry' ||
      event.type === 'task:lost'
    ) {
      const error = 'error' in event ? event.error : undefined;
      settle(new Error(`tasks: createWorker reported ${event.type}: ${String(error)}`));
    }
  };
  const instances = Array.from({ length: workers }, (_, w) =>
    createWorker(db, {
      handlers: { [TYPE]: () => undefined },
      concurrency: CLAIM_BATCH,
      workerId: `bench-worker-${w + 1}`,
      lease: LEASE_MS,
      pollInterval: WORKER_POLL_MS,
      handleSignals: false,
      onEvent,
    }),
  );
  const watchdog = setInterval(() => {
    if (performance.now() - lastProgress > STALL_MS) {
      settle(new Error(`tasks: createWorker completed nothing for ${STALL_MS / 1000} s (${completed} of ${jobs})`));
    }
  }, 1000);
  try {
    await Promise.all(instances.map((w) => w.start()));
    await done;
  } finally {
    clearInterval(watchdog);
    await Promise.all(instances.map((w) => w.stop()));
  }
}

function summarise(runs: Run[], workerCounts: number[]): SideSummary[] {
  const sides: SideSummary[] = [];
  for (const workers of workerCounts) {
    const of = (side: SideName) => runs.filter((r) => r.side === side && r.workers === workers);
    const rate = (side: SideName) => {
      const list = of(side);
      return list.reduce((sum, r) => sum + r.jobs, 0) / list.reduce((sum, r) => sum + r.seconds, 0);
    };
    const pgBossRate = rate('pg-boss');
    for (const side of ['cycle', 'tenantdb', 'pg-boss', 'createWorker'] as const) {
      const list = of(side);
      const calls = (pick: (r: Run) => { calls: number; ms: number } | null) => {
        const measured = list.map(pick).filter((c) => c !== null);
        if (measured.length === 0) return null;
        const n = measured.reduce((sum, c) => sum + c.calls, 0);
        return { calls: n, msPerCall: round3(measured.reduce((sum, c) => sum + c.ms, 0) / n) };
      };
      sides.push({
        side,
        workers,
        runs: list.length,
        jobs: list.reduce((sum, r) => sum + r.jobs, 0),
        seconds: round4(list.reduce((sum, r) => sum + r.seconds, 0)),
        jobsPerSec: Math.round(rate(side)),
        enqueueMsPerRun: round3((list.reduce((sum, r) => sum + r.enqueueSeconds, 0) * 1000) / list.length),
        drainMsPerRun: round3((list.reduce((sum, r) => sum + r.drainSeconds, 0) * 1000) / list.length),
        claim: calls((r) => r.claim),
        complete: calls((r) => r.complete),
        systemTransactionsPerRun:
          side === 'pg-boss'
            ? null
            : round3(list.reduce((sum, r) => sum + (r.systemTransactions ?? 0), 0) / list.length),
        vsPgBoss: round3(rate(side) / pgBossRate),
        runSeconds: list.map((r) => r.seconds),
      });
    }
  }
  return sides;
}

function sideOf(sides: SideSummary[], side: SideName, workers: number): SideSummary {
  const found = sides.find((s) => s.side === side && s.workers === workers);
  if (!found) throw new Error(`tasks: no ${side} result at ${workers} workers`);
  return found;
}

function renderFairness(f: Fairness): string {
  const header = [
    `fairness (${format(f.bigTasks)} + ${f.smallTenants} × 1 tasks)`,
    'first small',
    'median small',
    'last small',
    'target',
    'met?',
  ];
  const met = f.last <= FAIR_POSITION_MAX;
  const body = [
    [
      `claimTasks, ${f.workers} loop${f.workers === 1 ? '' : 's'} × ${CLAIM_BATCH}`,
      format(f.first),
      format(f.median),
      format(f.last),
      `≤ ${FAIR_POSITION_MAX}`,
      met ? 'yes' : 'NO',
    ],
    [
      'FIFO control (pg-boss fetch order)',
      format(f.fifo.first),
      format(f.fifo.median),
      format(f.fifo.last),
      'info',
      '—',
    ],
  ];
  return renderColumns(header, body, new Set([0, 4]));
}

function renderThroughput(sides: SideSummary[], workerCounts: number[]): string {
  const header = [
    'throughput (enqueue → claim → complete)',
    'workers',
    'jobs/run',
    'enqueue ms',
    'drain ms',
    'jobs/s',
    'claim calls',
    'ms/claim',
    'ms/complete',
    'sys txns/run',
    '÷ pg-boss',
    'target',
    'met?',
  ];
  const body: string[][] = [];
  for (const workers of workerCounts) {
    for (const side of ['cycle', 'tenantdb', 'pg-boss', 'createWorker'] as const) {
      const s = sideOf(sides, side, workers);
      const judged = side === 'cycle';
      body.push([
        SIDE_LABELS[side],
        String(workers),
        format(s.jobs / s.runs),
        ms(s.enqueueMsPerRun),
        ms(s.drainMsPerRun),
        format(s.jobsPerSec),
        s.claim ? format(s.claim.calls) : '—',
        s.claim ? ms(s.claim.msPerCall) : '—',
        s.complete ? ms(s.complete.msPerCall) : '—',
        s.systemTransactionsPerRun === null ? '—' : format(s.systemTransactionsPerRun),
        side === 'pg-boss' ? '' : s.vsPgBoss.toFixed(2),
        judged ? `≥ ${RATIO_MIN.toFixed(1)}` : side === 'pg-boss' ? '' : 'info',
        judged ? (s.vsPgBoss >= RATIO_MIN ? 'yes' : 'NO') : '',
      ]);
    }
  }
  return [
    renderColumns(header, body, new Set([0, 11])),
    "  enqueue ms and drain ms: per run (means); jobs/s: all runs' jobs ÷ their summed time (enqueue + drain); " +
      "claim calls: all runs', summed.",
  ].join('\n');
}

/** Where the claim loops' time goes: claims against completions, and enqueue against drain. */
function renderTimeSplit(sides: SideSummary[], workerCounts: number[]): string[] {
  return workerCounts.flatMap((workers) =>
    (['tenantdb', 'pg-boss'] as const).map((side) => {
      const s = sideOf(sides, side, workers);
      const claimMs = (s.claim?.calls ?? 0) * (s.claim?.msPerCall ?? 0);
      const completeMs = (s.complete?.calls ?? 0) * (s.complete?.msPerCall ?? 0);
      const share = claimMs / (claimMs + completeMs);
      const enqueueShare = s.enqueueMsPerRun / (s.enqueueMsPerRun + s.drainMsPerRun);
      return (
        `  ${side} at ${workers} worker${workers === 1 ? '' : 's'}: ${pct(enqueueShare)} of the time enqueueing; ` +
        `of the workers' call time ${pct(share)} claiming, ${pct(1 - share)} completing ` +
        `(${format(s.jobs / Math.max(1, s.claim?.calls ?? 1))} jobs per claim call)`
      );
    }),
  );
}

function ms(value: number): string {
  return !Number.isFinite(value) ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(0);
}

function pct(ratio: number): string {
  return Number.isFinite(ratio) ? `${(ratio * 100).toFixed(0)} %` : '—';
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function round4(n: number): number {
  return Math.round(n * 10000) / 10000;
}
