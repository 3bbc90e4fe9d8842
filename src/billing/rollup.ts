/**
 * The cost rollup: a system job that writes cost_summaries, one row per tenant and day, week or
 * month of its time zone, with the period's total, per-service breakdown and event count.
 */
import { sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import type { costSummaries } from '../schema/billing.ts';
import { requireSystemScope, rowsOf, type SystemScope } from '../tenancy/index.ts';
import { checkDate, PERIODS, periodName, type Period } from './periods.ts';

export type CostSummaryRow = typeof costSummaries.$inferSelect;

export interface RollupCostsInput {
  /** The period to roll up; default all three. */
  period?: Period;
  /**
   * Rebuild from the cost events instead: every period that starts at or after `since` (in each
   * tenant's time zone, the period containing `since` included) is recomputed from cost_events.
   * Without it the rollup is incremental: only the periods whose running total changed since
   * their summary was written (new, changed, deleted or late events) are written.
   */
  since?: Date;
  /** Called after each period is done (for progress output). */
  onProgress?: (progress: { period: Period; summaries: number }) => void;
}

export interface RollupResult {
  period: Period;
  /** Summaries written (inserted or replaced); 0 when nothing changed. */
  summaries: number;
  mode: 'incremental' | 'full';
}

/** Deadlocks with concurrent recorders (both lock period totals) are retried this many times. */
const DEADLOCK_RETRIES = 5;

/**
 * Rolls costs up into cost_summaries for every tenant: idempotent (one row per tenant, period and
 * period start — the unique key — and a rerun with nothing new writes nothing), incremental (it
 * reads only the running totals the recorders marked changed, so its cost follows the new events,
 * not the history), correct for late events (an event recorded today for last month marks last
 * month changed) and safe to run concurrently (a transaction-level advisory lock per period, and a
 * summary is only ever replaced by one of a newer version of its running total).
 *
 * @example
 * const results = await rollupCosts(system, { period: 'day' });
 * // [{ period: 'day', summaries: 12, mode: 'incremental' }]
 */
export async function rollupCosts(scope: SystemScope, input: RollupCostsInput = {}): Promise<RollupResult[]> {
  const system = requireSystemScope(scope, 'rollupCosts');
  if (input === null || typeof input !== 'object') {
    throw new TenantDbError('INVALID_INPUT', 'rollupCosts: pass { period?, since? }.');
  }
  const periods = input.period === undefined ? PERIODS : [input.period];
  for (const p of periods) periodName(p, 'rollupCosts: period');
  const since = input.since === undefined ? undefined : checkDate(input.since, 'rollupCosts: since');
  const results: RollupResult[] = [];
  for (const period of periods) {
    const summaries = await withDeadlockRetry(() =>
      system.transaction(async (tx) => {
        const name = periodName(period, 'period');
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`tenantdb.rollup_costs:${name}`}, 0))`);
        const written = since === undefined ? await incremental(tx, name) : await full(tx, name, period, since);
        // The running totals now summarised are clean, unless a recorder changed them meanwhile
        // (a newer version): those stay dirty for the next run.
        await tx.execute(sql`
          update public.cost_period_totals c set dirty = false
          from public.cost_summaries s
          where c.dirty and c.period = ${name}::public.budget_period
            and s.tenant_id = c.tenant_id and s.period = c.period and s.period_start = c.period_start
            and s.source_version = c.version`);
        return written;
      }),
    );
    results.push({ period, summaries, mode: since === undefined ? 'incremental' : 'full' });
    input.onProgress?.({ period, summaries });
  }
  return results;
}

type Tx = Parameters<Parameters<SystemScope['transaction']>[0]>[0];

/** Summaries from the running totals marked changed. */
async function incremental(tx: Tx, name: string): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await tx.execute(sql`
        insert into public.cost_summaries as s
          (tenant_id, period, period_start, period_end, total_cost_usd, breakdown, event_count, source_version)
        select tenant_id, period, period_start, period_end, spend, breakdown, event_count, version
        from public.cost_period_totals
        where dirty and period = ${name}::public.budget_period
        on conflict (tenant_id, period, period_start) do update
          set period_end = excluded.period_end, total_cost_usd = excluded.total_cost_usd,
              breakdown = excluded.breakdown, event_count = excluded.event_count,
              source_version = excluded.source_version, updated_at = excluded.updated_at
          where s.source_version < excluded.source_version
        returning 1 as n`),
  );
  return rows.length;
}

/** Summaries recomputed from the cost events of every period from the one containing `since`. */
async function full(tx: Tx, name: string, period: Period, since: Date): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await tx.execute(sql`
      with per_service as (
        select e.tenant_id, tenantdb.time_zone_of(t.settings) as tz,
               date_trunc(${period}, e.occurred_at, tenantdb.time_zone_of(t.settings)) as period_start,
               e.service, sum(e.cost_usd) as amount, count(*) as n
        from public.cost_events e join public.tenants t on t.id = e.tenant_id
        where e.occurred_at >= date_trunc(${period}, ${since.toISOString()}::timestamptz, tenantdb.time_zone_of(t.settings))
        group by 1, 2, 3, 4
      ), per_period as (
        select tenant_id, tz, period_start, sum(amount) as total, sum(n)::int as n,
               jsonb_object_agg(service, amount::text) as breakdown
        from per_service group by 1, 2, 3
      )
        insert into public.cost_summaries as s
          (tenant_id, period, period_start, period_end, total_cost_usd, breakdown, event_count, source_version)
        select p.tenant_id, ${name}::public.budget_period, p.period_start,
               ((p.period_start at time zone p.tz) + ${`1 ${period}`}::interval) at time zone p.tz,
               p.total, p.breakdown, p.n, coalesce(c.version, 0)
        from per_period p
        left join public.cost_period_totals c
          on c.tenant_id = p.tenant_id and c.period = ${name}::public.budget_period and c.period_start = p.period_start
        on conflict (tenant_id, period, period_start) do update
          set period_end = excluded.period_end, total_cost_usd = excluded.total_cost_usd,
              breakdown = excluded.breakdown, event_count = excluded.event_count,
              source_version = excluded.source_version, updated_at = excluded.updated_at
        returning 1 as n`),
  );
  return rows.length;
}

async function withDeadlockRetry<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const state = (error as { sqlState?: string }).sqlState;
      if (state !== '40P01' || attempt > DEADLOCK_RETRIES) throw error;
    }
  }
}
