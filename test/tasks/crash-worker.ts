/**
 * One task worker in a child process, for test/tasks/crash.test.ts, which spawns several of these
 * (`node --import tsx test/tasks/crash-worker.ts`) and kills them with SIGKILL at random points.
 *
 * Env: CRASH_URL (the application connection), CRASH_SYSTEM_URL (the system connection in split
 * mode; empty in single mode), CRASH_TYPE (the task type it claims), CRASH_CONCURRENCY,
 * CRASH_LEASE (ms), CRASH_POLL (ms), CRASH_LISTEN (`1` to LISTEN), CRASH_MAX_DELAY (ms, the
 * handler's random delay is 0 to this).
 *
 * The handler reads the tenant setting its statements run under, through the scope the worker
 * gives it, and returns it as `output.sawTenant`. Starting a process costs seconds on a busy
 * machine, so the test keeps spares: a child loads, prints `ready` and waits; `go` on stdin starts
 * its worker (then it prints `started`). On SIGTERM, or when stdin closes (the test is gone), it
 * stops gracefully, closes the database and exits 0. Worker errors go to stderr as JSON lines.
 */
import { createDatabase } from '../../src/index.ts';
import { createWorker } from '../../src/tasks/index.ts';

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`crash-worker: ${name} is not set`);
  return value;
}

const url = env('CRASH_URL');
const systemUrl = env('CRASH_SYSTEM_URL', '');
const type = env('CRASH_TYPE', 'crash.test');
const concurrency = Number(env('CRASH_CONCURRENCY', '8'));
const lease = Number(env('CRASH_LEASE', '1500'));
const pollInterval = Number(env('CRASH_POLL', '100'));
const listen = env('CRASH_LISTEN', '0') === '1';
const maxDelay = Number(env('CRASH_MAX_DELAY', '5'));

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Handlers, the claim, heartbeats, completions and LISTEN share the pool(s): a few spare.
const db = await createDatabase({ url, ...(systemUrl === '' ? {} : { systemUrl }), max: concurrency + 4 });

const worker = createWorker(db, {
  workerId: `crash:${process.pid}`,
  concurrency,
  lease,
  pollInterval,
  listen,
  handleSignals: false,
  shutdownTimeout: 5_000,
  handlers: {
    [type]: async (_task, scope) => {
      const [row] = await scope.query<{ t: string | null }>(
        `select current_setting('app.current_tenant_id', true) as t`,
      );
      if (maxDelay > 0) await sleep(Math.random() * maxDelay);
      return { output: { sawTenant: row?.t ?? null, pid: process.pid } };
    },
  },
  onEvent: (event) => {
    if (event.type === 'worker:error') {
      // Drizzle wraps the driver's error (its message is the failed query): report the cause.
      const error = event.error as { message?: unknown; code?: unknown; cause?: { message?: unknown; code?: unknown } };
      const cause = error?.cause ?? error;
      const text = String(cause?.message ?? cause);
      process.stderr.write(`${JSON.stringify({ pid: process.pid, code: cause?.code ?? error?.code, error: text })}\n`);
    }
  },
});

let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void (async () => {
    await worker.stop();
    await db.close();
    process.exit(0);
  })();
};
process.once('SIGTERM', shutdown);

let started = false;
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk: string) => {
  if (started || stopping || !chunk.includes('go')) return;
  started = true;
  void worker.start().then(() => process.stdout.write('started\n'));
});
process.stdin.on('end', shutdown);
process.stdout.write('ready\n');
