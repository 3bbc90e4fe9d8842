/**
 * Trend analysis over the daily snapshots: one metric summed per day, week (from Monday) or
 * month, with the previous period's value, the change (absolute and percent) and an n-period
 * moving average, all computed in SQL with window functions (`lag`, `avg … rows between`).
 *
 * Every period of the range is returned, a period without snapshots as 0 (`days` says how many
 * snapshots a period has). The window functions see the periods before `from` too (one, or n - 1
 * for the moving average), so the first period's previous value and moving average are real
 * ones, not cut off by the range.
 */
import { sql, type AnyColumn } from 'drizzle-orm';
import { analyticsSnapshots } from '../schema/analytics.ts';
import { requireTenantScope, rowsOf, type TenantScope } from '../tenancy/index.ts';
import { fail, isPlainObject } from './check.ts';
import { checkRange, type GroupBy } from './periods.ts';

export type TrendMetric = 'sessions' | 'users' | 'conversions' | 'revenue';

/** Counts are numbers; revenue is an exact decimal string with 2 decimals (`'1520.50'`). */
export type MetricValue<M extends TrendMetric> = M extends 'revenue' ? string : number;

export interface SnapshotTrendInput<M extends TrendMetric = TrendMetric> {
  /** The first local day, `YYYY-MM-DD`: its period is the first. */
  from: string;
  /** The last local day, `YYYY-MM-DD` (inclusive): its period is the last. */
  to: string;
  metric: M;
  /** Default 'day'. Weeks start on Monday. */
  groupBy?: GroupBy;
  /** The moving average over this many periods (2–100), the current one and those before it. */
  movingAverage?: number;
}

export interface TrendPoint<M extends TrendMetric = TrendMetric> {
  /** The period's first day, `YYYY-MM-DD` (a Monday for weeks, the 1st for months). */
  period: string;
  /** How many daily snapshots the period has. */
  days: number;
  /** The metric summed over the period's snapshots (0 without any). `users` is a sum of daily users. */
  value: MetricValue<M>;
  /** The previous period's value (0 without snapshots). */
  previous: MetricValue<M>;
  /** value − previous. */
  change: MetricValue<M>;
  /** The change in percent of the previous value, rounded to 2 decimals; null when previous is 0. */
  changePercent: number | null;
  /** The mean value of this period and the n − 1 before it, as a decimal string with 2 decimals; null without `movingAverage`. */
  movingAverage: string | null;
}

const METRICS: Record<TrendMetric, AnyColumn> = {
  sessions: analyticsSnapshots.sessions,
  users: analyticsSnapshots.users,
  conversions: analyticsSnapshots.conversions,
  revenue: analyticsSnapshots.revenue,
};

interface TrendRow {
  period: string;
  days: number;
  value: string;
  previous: string;
  change: string;
  change_percent: number | string | null;
  moving_average: string | null;
}

/**
 * The tenant's trend of one snapshot metric over `from`…`to`, per day, week or month: value,
 * previous period's value, change, change in percent and (with `movingAverage: n`) the n-period
 * moving average. One statement. INVALID_INPUT before any SQL for a bad day, a range over 1,000
 * periods, an unknown metric or groupBy, or a moving average outside 2–100.
 *
 * @example
 * const weeks = await snapshotTrend(tenant, {
 *   from: '2025-06-02', to: '2025-06-29', metric: 'revenue', groupBy: 'week', movingAverage: 2,
 * });
 * // [{ period: '2025-06-02', days: 7, value: '1520.00', previous: '0.00', change: '1520.00', changePercent: null, movingAverage: '760.00' }, …]
 */
export async function snapshotTrend<M extends TrendMetric>(
  scope: TenantScope,
  input: SnapshotTrendInput<M>,
): Promise<TrendPoint<M>[]> {
  const fn = 'snapshotTrend';
  const tenant = requireTenantScope(scope, fn);
  if (!isPlainObject(input)) fail(fn, 'pass { from, to, metric, groupBy?, movingAverage? }.');
  const range = checkRange(fn, input);
  const metric = input.metric;
  if (!Object.hasOwn(METRICS, metric)) {
    fail(fn, `metric must be 'sessions', 'users', 'conversions' or 'revenue' (got ${String(metric)}).`);
  }
  const n = input.movingAverage;
  if (n !== undefined && (!Number.isInteger(n) || n < 2 || n > 100)) {
    fail(fn, `movingAverage must be an integer from 2 to 100 periods (got ${String(n)}).`);
  }
  const revenue = metric === 'revenue';
  const column = METRICS[metric];
  // Revenue stays numeric with 2 decimals; counts are summed as bigint.
  const valueType = revenue ? sql`numeric(20,2)` : sql`bigint`;
  const lookback = `${Math.max(1, (n ?? 1) - 1)} ${range.groupBy}`;
  const { tenantId } = tenant.context;
  const unit = range.groupBy;
  const rows = rowsOf<TrendRow>(
    await tenant.transaction((tx) =>
      tx.execute(sql`with bounds as (
          select date_trunc(${unit}, ${range.from}::date::timestamp) as first,
                 date_trunc(${unit}, ${range.to}::date::timestamp) as last),
        periods as (
          select g::date as period
          from bounds, generate_series(bounds.first - ${lookback}::interval, bounds.last, ${range.step}::interval) g),
        sums as (
          select date_trunc(${unit}, ${analyticsSnapshots.date}::timestamp)::date as period,
                 sum(${column}) as value, count(*)::int as days
          from ${analyticsSnapshots}
          where ${analyticsSnapshots.tenantId} = ${tenantId}
            and ${analyticsSnapshots.date} >= (select min(period) from periods)
            and ${analyticsSnapshots.date} < (select last + ${range.step}::interval from bounds)
          group by 1),
        series as (
          select p.period, coalesce(s.value, 0)::${valueType} as value, coalesce(s.days, 0) as days
          from periods p left join sums s on s.period = p.period),
        windowed as (
          select period, value, days,
                 lag(value, 1, 0::${valueType}) over w as previous,
                 avg(value) over (w rows between ${Math.max(0, (n ?? 1) - 1)}::int preceding and current row) as moving
          from series window w as (order by period))
        select period::text as period, days, value::text as value, previous::text as previous,
               (value - previous)::text as change,
               case when previous = 0 then null
                    else round((value - previous) * 100.0 / previous, 2)::float8 end as change_percent,
               ${n === undefined ? sql`null::text` : sql`round(moving, 2)::text`} as moving_average
        from windowed
        where period >= (select first from bounds)::date
        order by period`),
    ),
  );
  const toValue = (text: string) => (revenue ? text : Number(text)) as MetricValue<M>;
  return rows.map((r) => ({
    period: r.period,
    days: Number(r.days),
    value: toValue(r.value),
    previous: toValue(r.previous),
    change: toValue(r.change),
    changePercent: r.change_percent === null ? null : Number(r.change_percent),
    movingAverage: r.moving_average,
  }));
}
