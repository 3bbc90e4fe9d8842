/** The tenant's costs over a time range, per day, week or month of its time zone, optionally per service, provider or model. */
import { sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { requireTenantScope, rowsOf, type TenantScope } from '../tenancy/index.ts';
import { fromMicros, toMicros } from './money.ts';
import { checkDate, PERIODS, type Period } from './periods.ts';

export interface CostSummaryInput {
  /** Start of the range (inclusive). */
  from: Date;
  /** End of the range (exclusive). */
  to: Date;
  /** One row per day, week (from Monday) or month of the tenant's time zone. */
  groupBy: Period;
  /** Also split each period by service, provider or model (`metadata.model`). */
  by?: 'service' | 'provider' | 'model';
}

export interface CostSummaryRow {
  /** The start of the day, week or month in the tenant's time zone. */
  periodStart: Date;
  /** The service, provider or model (`null`: none recorded); absent without `by`. */
  key?: string | null;
  /** USD, exact: the database's `numeric` sum as a decimal string. */
  totalCostUsd: string;
  events: number;
  tokens: number;
}

export interface CostSummary {
  /** The tenant's time zone the periods are in. */
  timeZone: string;
  rows: CostSummaryRow[];
  /** The sum of every row, exact. */
  totalCostUsd: string;
}

const KEY_SQL = {
  service: sql`service`,
  provider: sql`provider`,
  model: sql`metadata ->> 'model'`,
} as const;

function checkInput(input: CostSummaryInput): CostSummaryInput {
  if (input === null || typeof input !== 'object') {
    throw new TenantDbError('INVALID_INPUT', 'costSummary: pass { from, to, groupBy }.');
  }
  checkDate(input.from, 'costSummary: from');
  checkDate(input.to, 'costSummary: to');
  if (input.from.getTime() > input.to.getTime()) {
    throw new TenantDbError('INVALID_INPUT', 'costSummary: from must not be after to.');
  }
  if (!(PERIODS as readonly string[]).includes(input.groupBy)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `costSummary: groupBy must be one of ${PERIODS.join(', ')} (got ${JSON.stringify(input.groupBy)}).`,
    );
  }
  if (input.by !== undefined && !Object.hasOwn(KEY_SQL, input.by)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `costSummary: by must be one of ${Object.keys(KEY_SQL).join(', ')} (got ${JSON.stringify(input.by)}).`,
    );
  }
  return input;
}

/**
 * Seed 004's `getCostSummary`: the scope's tenant's cost events with `from <= occurred_at < to`,
 * summed per day, week (from Monday) or month of the tenant's time zone (`setTenantTimeZone`,
 * default UTC) and, with `by`, per service, provider or model. One statement; sums are the
 * database's `numeric`, exact to the micro-dollar. Rows oldest first, then by key.
 *
 * @example
 * const march = await costSummary(tenant, { from: new Date('2026-03-01'), to: new Date('2026-04-01'), groupBy: 'day', by: 'service' });
 * for (const row of march.rows) console.log(row.periodStart, row.key, row.totalCostUsd);
 */
export async function costSummary(scope: TenantScope, input: CostSummaryInput): Promise<CostSummary> {
  const tenant = requireTenantScope(scope, 'costSummary');
  const { from, to, groupBy, by } = checkInput(input);
  const { tenantId } = tenant.context;
  const key = by === undefined ? sql`null::text` : KEY_SQL[by];
  // One statement (one round trip on a tenant client). The time zone is an InitPlan, evaluated
  // once; the casts to text happen per group, never per event.
  const zone = sql`(select tenantdb.time_zone_of(settings) from public.tenants where id = ${tenantId})`;
  const rows = await tenant.statement(async (db) =>
    rowsOf<{
      period_start: number;
      key: string | null;
      total: string;
      events: number;
      tokens: string | null;
      tz: string;
    }>(
      await db.execute(sql`
        select (extract(epoch from s.period) * 1000)::float8 as period_start, s.key, s.total, s.events, s.tokens,
               ${zone} as tz
        from (
          select date_trunc(${groupBy}, occurred_at, ${zone}) as period, ${key} as key,
                 sum(cost_usd)::text as total, count(*)::int as events, sum(tokens_used)::text as tokens
          from public.cost_events
          where tenant_id = ${tenantId} and occurred_at >= ${from.toISOString()}::timestamptz
            and occurred_at < ${to.toISOString()}::timestamptz
          group by 1, 2
        ) as s
        order by 1`),
    ),
  );
  // Within a period, by key as text (services by name, not in the enum's order); none last.
  rows.sort((a, b) => Number(a.period_start) - Number(b.period_start) || compareKeys(a.key, b.key));
  let total = 0n;
  const out = rows.map((r) => {
    total += toMicros(r.total);
    const row: CostSummaryRow = {
      periodStart: new Date(Number(r.period_start)),
      totalCostUsd: r.total,
      events: r.events,
      tokens: Number(r.tokens ?? 0),
    };
    if (by !== undefined) row.key = r.key;
    return row;
  });
  const timeZone = rows[0]?.tz ?? (await timeZoneOf(tenant));
  return { timeZone, rows: out, totalCostUsd: fromMicros(total) };
}

async function timeZoneOf(tenant: TenantScope): Promise<string> {
  const { tenantId } = tenant.context;
  return tenant.statement(async (db) => {
    const [row] = rowsOf<{ tz: string }>(
      await db.execute(sql`select tenantdb.time_zone_of(settings) as tz from public.tenants where id = ${tenantId}`),
    );
    return row?.tz ?? 'UTC';
  });
}

function compareKeys(a: string | null, b: string | null): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  return a < b ? -1 : 1;
}
