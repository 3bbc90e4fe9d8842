/**
 * A task worker in a child process that relies on the worker's own signal handling
 * (`handleSignals` default), for test/tasks/signal.test.ts: SIGTERM must stop it gracefully.
 *
 * Env: SIGNAL_URL, SIGNAL_SYSTEM_URL (empty in single mode), SIGNAL_LISTEN (`1` to LISTEN),
 * SIGNAL_SHUTDOWN_MS (the worker's shutdownTimeout). Handlers: `signal.quick` takes 300 ms,
 * `signal.slow` a minute (until its signal aborts). Prints `claimed <id>` per claimed task and,
 * once the worker has stopped and the database is closed, `stopped <released>`; then exits 0.
 */
import { createDatabase } from '../../src/index.ts';
import { createWorker } from '../../src/tasks/index.ts';

const systemUrl = process.env.SIGNAL_SYSTEM_URL ?? '';
const db = await createDatabase({
  url: process.env.SIGNAL_URL as string,
  ...(systemUrl === '' ? {} : { systemUrl }),
});
const wait = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      resolve();
    });
  });
let released = 0;
const worker = createWorker(db, {
  concurrency: 2,
  pollInterval: 50,
  listen: process.env.SIGNAL_LISTEN === '1',
  shutdownTimeout: Number(process.env.SIGNAL_SHUTDOWN_MS ?? '2000'),
  handlers: {
    'signal.quick': async (_task, _scope, { signal }) => {
      await wait(300, signal);
      return { summary: 'quick' };
    },
    'signal.slow': async (_task, _scope, { signal }) => {
      await wait(60_000, signal);
      return { summary: 'slow' };
    },
  },
  onEvent: (event) => {
    if (event.type === 'task:claimed') process.stdout.write(`claimed ${event.taskId}\n`);
    if (event.type === 'worker:stopped') released = event.released;
  },
});
await worker.start();
await worker.stopped;
await db.close();
process.stdout.write(`stopped ${released}\n`);
