/**
 * The cost rollup (src/billing/rollup.ts), incremental against full, on the main data set (at
 * scale 1: 1,000,000 cost events over 90 days). Each round:
 * 1. `rollupCosts(system, { since })`, since the first event: the full rebuild of every day, week
 *    and month summary from cost_events — timed;
 * 2. NEW_EVENTS × scale new events "now", through recordCosts, over every tenant in proportion to
 *    its size (the triggers mark their day, week and month dirty) — not timed;
 * 3. `rollupCosts(system)`: the incremental run, which copies only the dirty running totals —
 *    timed.
 * Both are one call for all three periods (the default); the per-period times come from its
 * onProgress. Medians over the rounds (3; 1 with --duration < 2); with --warmup > 0 an unmeasured
 * full rebuild first, so every measured one replaces summaries, as a nightly rebuild does. Afterwards
 * the inserted events are deleted and the running totals rebuilt, so the data set is as
 * generated (and cost_summaries empty).
 */
import { recordCosts, rollupCosts, type Period, type RollupCostsInput } from '../../src/billing/index.ts';
import { createSystemClient, createTenantClient, type SystemClient } from '../../src/index.ts';
import { serverVersion, type BenchDatabase } from '../databases.ts';
import { rebuildCostTotals, type DatasetInfo } from '../generate.ts';
import { renderColumns } from '../columns.ts';
import { format, log, Progress, timed } from '../progress.ts';
import { prng, type Random } from '../random.ts';
import { costBatch } from './cost-batches.ts';
import { standalone, type StandaloneTarget } from './standalone.ts';

/** New events per round at scale 1 (at least 100). */
const NEW_EVENTS = 10_000;
/** The incremental rollup may take at most this share of the full one. */
const RATIO_MAX = 0.05;
const PERIODS: readonly Period[] = ['day', 'week', 'month'];

const DESCRIPTION =
  'rollupCosts: the incremental run after 10,000 new events (× scale) against the full rebuild of the ' +
  'whole cost history (1,000,000 events at scale 1), all three periods, medians over rounds';

interface Timing {
  seconds: number;
  summaries: number;
  periods: Record<Period, { seconds: number; summaries: number }>;
}

interface Round {
  full: Timing;
  incremental: Timing;
  /** Seconds recordCosts took for the round's new events (not part of either rollup). */
  insertSeconds: number;
}

export const costRollup = standalone({
  name: 'cost-rollup',
  description: DESCRIPTION,
  dataset: 'main',
  async run(env) {
    if (env.dataset === undefined) throw new Error('cost-rollup: the main data set is not open');
    const { bench, info } = env.dataset;
    const version = await serverVersion(bench.raw);
    const system = createSystemClient(bench.db, { reason: 'bench: cost-rollup' });
    const [history] = await bench.raw.query<{ since: Date; events: number; tenants: number }>(
      'SELECT min(occurred_at) AS since, count(*)::int AS events, (SELECT count(*)::int FROM public.tenants) AS tenants FROM public.cost_events',
    );
    if (history === undefined || history.events === 0) {
      throw new Error(`${bench.name} has no cost events: rerun with --regenerate.`);
    }
    const newEvents = Math.max(100, Math.round(NEW_EVENTS * env.scale));
    const shares = await eventShares(bench, info, newEvents);
    // A full rebuild takes tens of seconds at scale 1: a few rounds give a median.
    const rounds = env.duration >= 2 ? 3 : 1;
    const random = prng(37);

    const measured: Round[] = [];
    try {
      // Unmeasured: the first rebuild inserts every summary, the measured ones replace them (as a
      // nightly rebuild does).
      if (env.warmup > 0)
        await timed('cost-rollup: warm-up full rebuild', () => timeRollup(system, { since: history.since }));
      const progress = new Progress(
        `cost-rollup: full / ${format(newEvents)} new events / incremental`,
        rounds,
        'rounds',
      );
      for (let round = 0; round < rounds; round++) {
        const full = await timeRollup(system, { since: history.since });
        const t0 = performance.now();
        await insertEvents(bench, shares, random);
        const insertSeconds = (performance.now() - t0) / 1000;
        const incremental = await timeRollup(system, {});
        measured.push({ full, incremental, insertSeconds });
        progress.tick(1);
      }
      progress.finish();
    } finally {
      await timed('cost-rollup: removing the inserted events, rebuilding the running totals', () =>
        restore(bench, info),
      );
    }

    const full = median(measured.map((r) => r.full));
    const incremental = median(measured.map((r) => r.incremental));
    const ratio = round4(incremental.seconds / full.seconds);
    const targets: StandaloneTarget[] = [
      {
        label: 'incremental rollup ÷ full rollup (seconds, medians)',
        value: ratio,
        limit: `≤ ${RATIO_MAX}`,
        met: ratio <= RATIO_MAX,
      },
    ];
    const insertSeconds = medianOf(measured.map((r) => r.insertSeconds));
    const text = [
      `cost-rollup (${env.backend.kind} ${version}): rollupCosts on ${format(history.events)} cost events of ` +
        `${format(history.tenants)} tenants since ${history.since.toISOString().slice(0, 10)}, one call for all three ` +
        `periods; ${rounds} round${rounds === 1 ? '' : 's'}${env.warmup > 0 ? ' after an unmeasured full rebuild' : ''}, medians`,
      `  each round: the full rebuild (since the first event), then ${format(newEvents)} new events through recordCosts ` +
        `over ${format(shares.length)} tenants in proportion to their size (not timed: ${insertSeconds.toFixed(2)} s), ` +
        'then the incremental run',
      '',
      render(full, incremental, ratio),
      '',
      `cost-rollup targets met: ${targets.filter((t) => t.met).length}/${targets.length}` +
        targets
          .filter((t) => !t.met)
          .map((t) => `\n  missed: ${t.label} = ${t.value} (target ${t.limit})`)
          .join(''),
    ].join('\n');
    log(`cost-rollup: incremental ${ms(incremental.seconds)} ms, full ${ms(full.seconds)} ms (${pct(ratio)})`);
    return {
      name: 'cost-rollup',
      description: DESCRIPTION,
      database: bench.name,
      serverVersion: version,
      text,
      targets,
      details: {
        events: history.events,
        tenants: history.tenants,
        since: history.since.toISOString(),
        newEventsPerRound: newEvents,
        tenantsWritten: shares.length,
        rounds: measured,
        median: { full, incremental, insertSeconds },
        ratio,
      },
    };
  },
});

/** rollupCosts timed as a whole and per period (onProgress is called as each period is done). */
async function timeRollup(system: SystemClient, input: RollupCostsInput): Promise<Timing> {
  const periods = {} as Timing['periods'];
  const t0 = performance.now();
  let last = t0;
  await rollupCosts(system, {
    ...input,
    onProgress: ({ period, summaries }) => {
      const now = performance.now();
      periods[period] = { seconds: round4((now - last) / 1000), summaries };
      last = now;
    },
  });
  const seconds = round4((performance.now() - t0) / 1000);
  const summaries = PERIODS.reduce((sum, p) => sum + (periods[p]?.summaries ?? 0), 0);
  return { seconds, summaries, periods };
}

/** How many of the round's events each tenant records: in proportion to its size (generate.ts's plan). */
async function eventShares(
  bench: BenchDatabase,
  info: DatasetInfo,
  total: number,
): Promise<{ tenantId: string; events: number }[]> {
  const rows = await bench.raw.query<{ id: string; slug: string }>('SELECT id, slug FROM public.tenants ORDER BY id');
  const { bigTenants, bigFactor } = info.spec;
  const weights = rows.map((r) => (Number(r.slug.replace('bench-', '')) < bigTenants ? bigFactor : 1));
  const sum = weights.reduce((a, b) => a + b, 0);
  const events = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - events.reduce((a, b) => a + b, 0);
  for (let k = 0; rest > 0; k = (k + 1) % events.length, rest--) events[k] = (events[k] as number) + 1;
  return rows.map((r, k) => ({ tenantId: r.id, events: events[k] as number })).filter((s) => s.events > 0);
}

/** One recordCosts call per tenant, as each tenant's application would record its own. */
async function insertEvents(
  bench: BenchDatabase,
  shares: { tenantId: string; events: number }[],
  random: Random,
): Promise<void> {
  const now = Date.now();
  for (const { tenantId, events } of shares) {
    await recordCosts(createTenantClient(bench.db, { tenantId }), costBatch(random, tenantId, events, now).rows);
  }
}

/**
 * Back to the generated state: the inserted events deleted with the triggers off (their delete
 * trigger would walk every deleted row once per tenant), then the running totals rebuilt and
 * cost_summaries emptied, as the generator leaves them.
 */
async function restore(bench: BenchDatabase, info: DatasetInfo): Promise<void> {
  await bench.db.rawTransaction(async (session) => {
    await session.exec('ALTER TABLE public.cost_events DISABLE TRIGGER USER');
    await session.command('DELETE FROM public.cost_events WHERE created_at > $1::timestamptz', [info.anchor]);
    await session.exec('ALTER TABLE public.cost_events ENABLE TRIGGER USER');
  });
  await rebuildCostTotals(bench);
  await bench.raw.query('VACUUM (ANALYZE) public.cost_events, public.cost_period_totals, public.cost_summaries');
}

/** The median of each figure, period by period. */
function median(timings: Timing[]): Timing {
  const periods = {} as Timing['periods'];
  for (const p of PERIODS) {
    periods[p] = {
      seconds: medianOf(timings.map((t) => t.periods[p]?.seconds ?? NaN)),
      summaries: medianOf(timings.map((t) => t.periods[p]?.summaries ?? NaN)),
    };
  }
  return {
    seconds: medianOf(timings.map((t) => t.seconds)),
    summaries: medianOf(timings.map((t) => t.summaries)),
    periods,
  };
}

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function render(full: Timing, incremental: Timing, ratio: number): string {
  const header = [
    'rollupCosts (all periods)',
    'summaries',
    'day ms',
    'week ms',
    'month ms',
    'total ms',
    '÷ full',
    'target',
    'met?',
  ];
  const row = (label: string, t: Timing, extra: string[]) => [
    label,
    format(t.summaries),
    ...PERIODS.map((p) => ms(t.periods[p].seconds)),
    ms(t.seconds),
    ...extra,
  ];
  const body = [
    row('full rebuild ({ since })', full, ['', '', '']),
    row('incremental (dirty totals)', incremental, [
      pct(ratio),
      `≤ ${pct(RATIO_MAX)}`,
      ratio <= RATIO_MAX ? 'yes' : 'NO',
    ]),
  ];
  return renderColumns(header, body, new Set([0, 7]));
}

function ms(seconds: number): string {
  const value = seconds * 1000;
  return !Number.isFinite(value) ? '—' : value < 10 ? value.toFixed(2) : value.toFixed(0);
}

function pct(ratio: number): string {
  return `${(ratio * 100).toFixed(ratio < 0.1 ? 2 : 1)} %`;
}

function round4(n: number): number {
  return Math.round(n * 10000) / 10000;
}
