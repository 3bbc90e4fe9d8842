/** Helpers for the load tests (concurrency, faults): replayable randomness, a limiter, raw rows. */
import type { sql } from 'drizzle-orm';
import type { OrmTransaction } from '../../src/index.ts';

/** mulberry32: a small seeded PRNG, so a failing interleaving can be replayed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The rows of a raw `sql` query, whichever driver answered. */
export async function rowsOf<R>(tx: OrmTransaction, query: ReturnType<typeof sql>): Promise<R[]> {
  const result = await tx.execute(query);
  return (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as R[];
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
