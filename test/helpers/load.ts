/** Helpers for the load tests (concurrency, faults): replayable randomness, a limiter, raw rows. */
import type { sql } from 'drizzle-orm';
import { rowsOf as rowsOfResult } from '../../src/db/rows.ts';
import type { OrmTransaction } from '../../src/index.ts';

/** mulberry32, seeded, so a failing interleaving can be replayed (the bench uses the same one). */
export { prng } from '../../bench/random.ts';

/** The rows of a raw `sql` query, whichever driver answered. */
export async function rowsOf<R>(tx: OrmTransaction, query: ReturnType<typeof sql>): Promise<R[]> {
  return rowsOfResult<R>(await tx.execute(query));
}

/** Runs the tasks with at most `limit` in flight. */
export async function runLimited(tasks: (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const task = tasks[next++] as () => Promise<void>;
      await task();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
