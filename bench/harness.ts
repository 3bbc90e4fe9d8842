/**
 * The timing harness. Each side is warmed up, then the sides take turns in short slices (raw 1 s,
 * tenantdb 1 s, tenantdb 1 s, raw 1 s, … — the order flips every round) until each has had its
 * fixed time, so drift on the machine (another process, autovacuum, the OS cache) hits every side
 * alike. Within a slice `concurrency` workers run operations back to back; each operation is
 * timed alone with process.hrtime.bigint(), and nothing else is inside the timed region.
 */
import { Progress } from './progress.ts';
import type { Side } from './scenarios/scenario.ts';

export interface HarnessOptions {
  /** Seconds each side is measured. */
  duration: number;
  /** Seconds each side runs, unmeasured, before measuring starts. */
  warmup: number;
  /** Seconds per slice. */
  slice: number;
  /** Concurrent workers per side (each needs its own connection). */
  concurrency: number;
}

export interface SideResult {
  name: string;
  ops: number;
  /** Wall time of the side's slices, summed. */
  seconds: number;
  opsPerSec: number;
  meanMs: number;
  minMs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** ops/s of each slice: how steady the side was. */
  sliceOpsPerSec: number[];
}

const NS_PER_S = 1_000_000_000n;

export async function measure(label: string, sides: Side[], options: HarnessOptions): Promise<SideResult[]> {
  const progress = new Progress(label, sides.length * (options.warmup + options.duration), 's');
  const sliceNs = BigInt(Math.round(options.slice * 1e9));

  for (const side of sides) {
    // Warm-up walks the targets from the start too; measuring restarts there, so every side
    // runs the same sequence of targets.
    let next = 0;
    const warm = await runSlice(side, BigInt(Math.round(options.warmup * 1e9)), options.concurrency, () => next++);
    progress.tick(Number(warm.elapsedNs) / 1e9);
  }

  const state = sides.map((side) => ({
    side,
    next: 0,
    remainingNs: BigInt(Math.round(options.duration * 1e9)),
    elapsedNs: 0n,
    latencies: [] as number[],
    sliceOpsPerSec: [] as number[],
  }));
  for (let round = 0; state.some((s) => s.remainingNs > 0n); round++) {
    const order = round % 2 === 0 ? state : [...state].reverse();
    for (const s of order) {
      if (s.remainingNs <= 0n) continue;
      const budget = s.remainingNs < sliceNs ? s.remainingNs : sliceNs;
      const slice = await runSlice(s.side, budget, options.concurrency, () => s.next++, s.latencies);
      s.remainingNs -= slice.elapsedNs;
      s.elapsedNs += slice.elapsedNs;
      s.sliceOpsPerSec.push(round2((slice.ops * 1e9) / Number(slice.elapsedNs)));
      progress.tick(Number(slice.elapsedNs) / 1e9);
    }
  }
  progress.finish();
  return state.map((s) => summarize(s.side.name, s.latencies, s.elapsedNs, s.sliceOpsPerSec));
}

/** Runs operations until `budgetNs` has passed; the slice ends when its last operation does. */
async function runSlice(
  side: Side,
  budgetNs: bigint,
  concurrency: number,
  next: () => number,
  latencies?: number[],
): Promise<{ ops: number; elapsedNs: bigint }> {
  // Outside the timed region: what the side sets up for its slice (e.g. a transaction).
  await side.slice?.begin();
  try {
    return await timedSlice(side, budgetNs, concurrency, next, latencies);
  } finally {
    await side.slice?.end();
  }
}

async function timedSlice(
  side: Side,
  budgetNs: bigint,
  concurrency: number,
  next: () => number,
  latencies?: number[],
): Promise<{ ops: number; elapsedNs: bigint }> {
  let ops = 0;
  const start = process.hrtime.bigint();
  const deadline = start + budgetNs;
  const worker = async () => {
    while (process.hrtime.bigint() < deadline) {
      const i = next();
      const t0 = process.hrtime.bigint();
      await side.op(i);
      const t1 = process.hrtime.bigint();
      latencies?.push(Number(t1 - t0) / 1e6);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsedNs = process.hrtime.bigint() - start;
  return { ops, elapsedNs: elapsedNs > 0n ? elapsedNs : 1n };
}

function summarize(name: string, latencies: number[], elapsedNs: bigint, sliceOpsPerSec: number[]): SideResult {
  const sorted = Float64Array.from(latencies).sort();
  const seconds = Number(elapsedNs) / Number(NS_PER_S);
  const mean = sorted.reduce((a, b) => a + b, 0) / Math.max(sorted.length, 1);
  return {
    name,
    ops: sorted.length,
    seconds: round2(seconds),
    opsPerSec: round2(sorted.length / seconds),
    meanMs: round3(mean),
    minMs: round3(sorted[0] ?? 0),
    p50Ms: round3(percentile(sorted, 0.5)),
    p95Ms: round3(percentile(sorted, 0.95)),
    p99Ms: round3(percentile(sorted, 0.99)),
    maxMs: round3(sorted[sorted.length - 1] ?? 0),
    sliceOpsPerSec,
  };
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank] as number;
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}
