/**
 * Event aggregation: the tenant's analytics_events counted per local day, week (from Monday) or
 * month, optionally per event type or name. Periods are cut in the tenant's time zone with the
 * three-argument `date_trunc(unit, occurred_at, zone)`, and the range is one index range on
 * `(tenant_id, occurred_at)`: from the first period's local midnight to the last one's end.
 */
import { sql } from 'drizzle-orm';
import { analyticsEvents } from '../schema/analytics.ts';
import { requireTenantScope, rowsOf, type TenantScope } from '../tenancy/index.ts';
import { fail, isPlainObject } from './check.ts';
import { checkRange, tenantTimeZone, withTimeZoneCheck, type GroupBy } from './periods.ts';

export interface EventCountsInput {
  /** The first local day, `YYYY-MM-DD`: its period is the first. */
  from: string;
  /** The last local day, `YYYY-MM-DD` (inclusive): its period is the last. */
  to: string;
  /** Default 'day'. Weeks start on Monday. */
  groupBy?: GroupBy;
  /** Count per event type or per event name too. */
  by?: 'eventType' | 'eventName';
}

export interface EventCount {
  /** The period's first local day, `YYYY-MM-DD`. */
  period: string;
  /** The event type or name counted (with `by`); null without `by`. */
  key: string | null;
  count: number;
}

const KEYS = { eventType: analyticsEvents.eventType, eventName: analyticsEvents.eventName } as const;

/**
 * Counts the tenant's events per period of its own time zone (`tenants.settings.timeZone`,
 * default UTC). Without `by`, every period of the range is returned, 0 when it has no event; with
 * `by`, one row per period and key that has events, ordered by period and key. One statement.
 * INVALID_INPUT before any SQL for a bad day or range (over 1,000 periods), groupBy or by;
 * CONFIG_INVALID when the tenant's time zone is not one the database knows.
 *
 * @example
 * const days = await eventCounts(tenant, { from: '2025-06-01', to: '2025-06-07' });
 * const perName = await eventCounts(tenant, { from: '2025-06-01', to: '2025-06-30', groupBy: 'week', by: 'eventName' });
 */
export async function eventCounts(scope: TenantScope, input: EventCountsInput): Promise<EventCount[]> {
  const fn = 'eventCounts';
  const tenant = requireTenantScope(scope, fn);
  if (!isPlainObject(input)) fail(fn, 'pass { from, to, groupBy?, by? }.');
  const range = checkRange(fn, input);
  const by = input.by;
  if (by !== undefined && !Object.hasOwn(KEYS, by)) {
    fail(fn, `by must be 'eventType' or 'eventName' (got ${String(by)}).`);
  }
  const { tenantId } = tenant.context;
  const unit = range.groupBy;
  const e = analyticsEvents;
  const key = by === undefined ? sql`null::text` : sql`${KEYS[by]}`;
  const counted = sql`with zone as (select ${tenantTimeZone(tenantId)} as tz),
      bounds as (
        select date_trunc(${unit}, ${range.from}::date::timestamp) as first,
               date_trunc(${unit}, ${range.to}::date::timestamp) as last),
      span as (
        select (bounds.first at time zone zone.tz) as start,
               ((bounds.last + ${range.step}::interval) at time zone zone.tz) as stop, zone.tz
        from bounds, zone),
      counts as (
        select (date_trunc(${unit}, ${e.occurredAt}, span.tz) at time zone span.tz)::date as period,
               ${key} as key, count(*) as n
        from ${e}, span
        where ${e.tenantId} = ${tenantId} and ${e.occurredAt} >= span.start and ${e.occurredAt} < span.stop
        group by 1, 2)`;
  const query =
    by === undefined
      ? sql`${counted}
        select g::date::text as period, null::text as key, coalesce(c.n, 0)::text as n
        from bounds, generate_series(bounds.first, bounds.last, ${range.step}::interval) g
          left join counts c on c.period = g::date
        order by 1`
      : sql`${counted}
        select period::text as period, key, n::text as n from counts order by period, key`;
  const rows = await tenant.transaction((tx) =>
    withTimeZoneCheck(fn, async () =>
      rowsOf<{ period: string; key: string | null; n: string }>(await tx.execute(query)),
    ),
  );
  return rows.map((r) => ({ period: r.period, key: r.key, count: Number(r.n) }));
}
