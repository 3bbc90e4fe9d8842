/**
 * The periods trend and count queries group by: days, weeks starting on Monday (ISO, as
 * Postgres's `date_trunc('week', …)`), calendar months. `from` and `to` are local days; the
 * periods are whole: every period holding a day of `from`…`to`, from its first day to its last.
 *
 * Local days are the tenant's: `tenants.settings->>'timeZone'` (an IANA name, default UTC), read
 * by the query itself, so the time zone costs no round trip.
 */
import { sql, type SQL } from 'drizzle-orm';
import { TenantDbError, sqlStateOf } from '../errors.ts';
import { checkDay, fail } from './check.ts';

export type GroupBy = 'day' | 'week' | 'month';

const GROUPS: readonly GroupBy[] = ['day', 'week', 'month'];

/** The most periods one query returns. */
export const MAX_PERIODS = 1000;

export interface PeriodRange {
  from: string;
  to: string;
  groupBy: GroupBy;
  /** `'1 week'`: the step between periods, bound as an interval. */
  step: string;
  /** How many periods the range spans. */
  count: number;
}

const dayNumber = (day: string) => Date.parse(`${day}T00:00:00Z`) / 86_400_000;

/** How many periods of `groupBy` hold the days from `from` to `to`. */
function periodsBetween(from: string, to: string, groupBy: GroupBy): number {
  if (groupBy === 'day') return dayNumber(to) - dayNumber(from) + 1;
  if (groupBy === 'week') {
    // Day 0 (1970-01-01) was a Thursday: Monday-based week numbers are floor((day + 3) / 7).
    return Math.floor((dayNumber(to) + 3) / 7) - Math.floor((dayNumber(from) + 3) / 7) + 1;
  }
  const [fy, fm] = from.split('-').map(Number) as [number, number];
  const [ty, tm] = to.split('-').map(Number) as [number, number];
  return (ty - fy) * 12 + (tm - fm) + 1;
}

/** Checks `{ from, to, groupBy }` (INVALID_INPUT before any SQL). */
export function checkRange(fn: string, input: { from?: unknown; to?: unknown; groupBy?: unknown }): PeriodRange {
  const from = checkDay(fn, 'from', input.from);
  const to = checkDay(fn, 'to', input.to);
  if (from > to) fail(fn, `from (${from}) is after to (${to}).`);
  const groupBy = (input.groupBy ?? 'day') as GroupBy;
  if (!GROUPS.includes(groupBy)) fail(fn, `groupBy must be 'day', 'week' or 'month' (got ${String(input.groupBy)}).`);
  const count = periodsBetween(from, to, groupBy);
  if (count > MAX_PERIODS) {
    fail(
      fn,
      `${from} to ${to} is ${count} ${groupBy}s, more than ${MAX_PERIODS}: group by a longer period, or ask for a shorter range.`,
    );
  }
  return { from, to, groupBy, step: `1 ${groupBy}`, count };
}

/**
 * The tenant's time zone, as a scalar subquery of the tenant's own row: `tenantdb.time_zone_of`
 * (migration 0017, the one definition billing and usage use too), UTC when unset or empty.
 */
export function tenantTimeZone(tenantId: string): SQL {
  return sql`coalesce((select tenantdb.time_zone_of(t.settings) from tenants t where t.id = ${tenantId}::uuid), 'UTC')`;
}

/** Runs `query`, turning "time zone not recognized" (a bad tenant setting) into CONFIG_INVALID. */
export async function withTimeZoneCheck<T>(fn: string, query: () => Promise<T>): Promise<T> {
  try {
    return await query();
  } catch (error) {
    const message = String((error as { cause?: { message?: unknown } }).cause?.message ?? (error as Error).message);
    if (sqlStateOf(error) === '22023' && /time zone .* not recognized/.test(message)) {
      throw new TenantDbError(
        'CONFIG_INVALID',
        `${fn}: the tenant's settings.timeZone is not a time zone the database knows (${message}): set it to an IANA name such as 'Europe/Berlin', or remove it for UTC.`,
        { cause: error },
      );
    }
    throw error;
  }
}
