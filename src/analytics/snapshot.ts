/**
 * Daily analytics snapshots: one row per tenant per day (sessions, users, conversions, revenue).
 * `recordAnalyticsSnapshots` replaces whole days (a connector's sync); `upsertDailySnapshot`
 * merges into one day (several sources reporting parts of it).
 */
import { sql } from 'drizzle-orm';
import { checkMoney } from '../billing/index.ts';
import { TenantDbError } from '../errors.ts';
import { analyticsSnapshots } from '../schema/analytics.ts';
import { isUuid, requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';
import { checkCount, checkDay as checkDate, fail, isDay, isPlainObject, MAX_INT } from './check.ts';

export type AnalyticsSnapshot = typeof analyticsSnapshots.$inferSelect;

export interface AnalyticsSnapshotInput {
  /** The day, `YYYY-MM-DD`. */
  date: string;
  /** The connector the numbers came from (a connector of the same tenant), if any. */
  connectorId?: string | null;
  sessions: number;
  users: number;
  conversions: number;
  /** Revenue as a decimal string with at most 2 decimals (`'1234.50'`): never a float. */
  revenue: string;
  /** Sessions per traffic source. */
  sourceBreakdown?: Record<string, number>;
  metadata?: Record<string, unknown> | null;
}

function checkDay(day: AnalyticsSnapshotInput, i: number): AnalyticsSnapshotInput {
  const at = `recordAnalyticsSnapshots: days[${i}]`;
  if (day === null || typeof day !== 'object') throw new TenantDbError('INVALID_INPUT', `${at} must be an object.`);
  if (!isDay(day.date)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${at}.date must be a day as YYYY-MM-DD (got ${JSON.stringify(day.date)}).`,
    );
  }
  for (const key of ['sessions', 'users', 'conversions'] as const) {
    const value = day[key];
    if (!Number.isInteger(value) || value < 0 || value > MAX_INT) {
      throw new TenantDbError('INVALID_INPUT', `${at}.${key} must be a non-negative integer (got ${value}).`);
    }
  }
  checkMoney(day.revenue, `${at}.revenue`, { precision: 14, scale: 2 });
  if (day.connectorId != null && !isUuid(day.connectorId)) {
    throw new TenantDbError('INVALID_INPUT', `${at}.connectorId must be a UUID (got ${typeof day.connectorId}).`);
  }
  const breakdown = day.sourceBreakdown ?? {};
  if (typeof breakdown !== 'object' || Object.values(breakdown).some((n) => !Number.isFinite(n))) {
    throw new TenantDbError('INVALID_INPUT', `${at}.sourceBreakdown must map each source to a number of sessions.`);
  }
  return day;
}

/**
 * Records the tenant's analytics of the given days: one snapshot per day, inserted, or replacing
 * the day's earlier snapshot (upsert on `(tenant_id, date)`), in one statement. A `connectorId`
 * of another tenant is refused by the database (CROSS_TENANT_REFERENCE). Returns the rows.
 *
 * @example
 * await recordAnalyticsSnapshots(tenant, [
 *   { date: '2025-06-01', connectorId, sessions: 812, users: 584, conversions: 19, revenue: '1520.00' },
 * ]);
 */
export async function recordAnalyticsSnapshots(
  scope: TenantScope,
  days: readonly AnalyticsSnapshotInput[],
): Promise<AnalyticsSnapshot[]> {
  const tenant = requireTenantScope(scope, 'recordAnalyticsSnapshots');
  if (!Array.isArray(days))
    throw new TenantDbError('INVALID_INPUT', 'recordAnalyticsSnapshots: days must be an array.');
  const { tenantId } = tenant.context;
  const seen = new Set<string>();
  const rows = days.map((day, i) => {
    const d = checkDay(day, i);
    // One statement cannot upsert the same row twice (Postgres refuses it): say so first.
    if (seen.has(d.date)) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `recordAnalyticsSnapshots: ${d.date} is given twice; pass one snapshot per day.`,
      );
    }
    seen.add(d.date);
    const row = {
      tenantId,
      date: d.date,
      connectorId: d.connectorId ?? null,
      sessions: d.sessions,
      users: d.users,
      conversions: d.conversions,
      revenue: d.revenue,
      sourceBreakdown: d.sourceBreakdown ?? {},
      metadata: d.metadata ?? null,
    };
    validateValues('analytics_snapshots', row);
    return row;
  });
  if (rows.length === 0) return [];
  return tenant.transaction((tx) =>
    tx
      .insert(analyticsSnapshots)
      .values(rows)
      .onConflictDoUpdate({
        target: [analyticsSnapshots.tenantId, analyticsSnapshots.date],
        set: {
          connectorId: sql`excluded.connector_id`,
          sessions: sql`excluded.sessions`,
          users: sql`excluded.users`,
          conversions: sql`excluded.conversions`,
          revenue: sql`excluded.revenue`,
          sourceBreakdown: sql`excluded.source_breakdown`,
          metadata: sql`excluded.metadata`,
          // The insert's own default (now()), not a call: Citus refuses functions in DO UPDATE SET.
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning(),
  );
}

export interface DailySnapshotInput {
  /** The day, `YYYY-MM-DD` (the tenant's local day). */
  date: string;
  /** The connector the numbers came from (a connector of the same tenant); null clears it. */
  connectorId?: string | null;
  sessions?: number;
  users?: number;
  conversions?: number;
  /** Revenue as a decimal string with at most 2 decimals (`'1234.50'`): never a float. */
  revenue?: string;
  /** Sessions per traffic source: merged per source into the day's breakdown. */
  sourceBreakdown?: Record<string, number>;
  /** Replaces the day's metadata (null clears it). */
  metadata?: Record<string, unknown> | null;
}

const MERGED_FIELDS = ['connectorId', 'sessions', 'users', 'conversions', 'revenue', 'metadata'] as const;

/**
 * Merges numbers into the tenant's snapshot of one day, in one statement (INSERT … ON CONFLICT
 * (tenant_id, date) DO UPDATE): the first call for a day creates it (omitted counts are 0); a
 * later call overwrites the fields it gives and keeps the ones it omits, and its
 * `sourceBreakdown` is merged per source (`{ organic: 5 }` then `{ paid: 3 }` is
 * `{ organic: 5, paid: 3 }`; a source given again is replaced). Two calls racing for a new day
 * both succeed (the conflict clause, never a unique violation). Returns the day's row after the
 * merge. INVALID_INPUT before any SQL for a bad day, count, revenue, connector id or breakdown.
 *
 * @example
 * await upsertDailySnapshot(tenant, { date: '2025-06-01', sessions: 812, sourceBreakdown: { organic: 500 } });
 * await upsertDailySnapshot(tenant, { date: '2025-06-01', revenue: '1520.00', sourceBreakdown: { paid: 312 } });
 * // → sessions 812, revenue '1520.00', sourceBreakdown { organic: 500, paid: 312 }
 */
export async function upsertDailySnapshot(scope: TenantScope, input: DailySnapshotInput): Promise<AnalyticsSnapshot> {
  const fn = 'upsertDailySnapshot';
  const tenant = requireTenantScope(scope, fn);
  if (!isPlainObject(input)) fail(fn, 'pass { date, sessions?, users?, conversions?, revenue?, sourceBreakdown? }.');
  const date = checkDate(fn, 'date', input.date);
  for (const key of ['sessions', 'users', 'conversions'] as const) {
    if (input[key] !== undefined) checkCount(fn, key, input[key]);
  }
  if (input.revenue !== undefined) checkMoney(input.revenue, `${fn}: revenue`, { precision: 14, scale: 2 });
  if (input.connectorId != null && !isUuid(input.connectorId)) {
    fail(fn, `connectorId must be a UUID or null (got ${typeof input.connectorId}).`);
  }
  const breakdown = input.sourceBreakdown;
  if (breakdown !== undefined) {
    if (!isPlainObject(breakdown)) fail(fn, 'sourceBreakdown must map each source to a number of sessions.');
    for (const [source, n] of Object.entries(breakdown)) {
      if (source === '') fail(fn, 'sourceBreakdown has an empty source name.');
      checkCount(fn, `sourceBreakdown.${source}`, n);
    }
  }
  if (input.metadata != null && !isPlainObject(input.metadata)) fail(fn, 'metadata must be a plain object or null.');
  const { tenantId } = tenant.context;
  const row = {
    tenantId,
    date,
    ...(input.connectorId !== undefined ? { connectorId: input.connectorId } : {}),
    ...(input.sessions !== undefined ? { sessions: input.sessions } : {}),
    ...(input.users !== undefined ? { users: input.users } : {}),
    ...(input.conversions !== undefined ? { conversions: input.conversions } : {}),
    ...(input.revenue !== undefined ? { revenue: input.revenue } : {}),
    sourceBreakdown: breakdown ?? {},
    ...(input.metadata !== undefined ? { metadata: input.metadata } : {}),
  };
  validateValues('analytics_snapshots', row);
  // Only what was given is overwritten; `excluded` is the row this call proposed.
  const columns = {
    connectorId: sql`excluded.connector_id`,
    sessions: sql`excluded.sessions`,
    users: sql`excluded.users`,
    conversions: sql`excluded.conversions`,
    revenue: sql`excluded.revenue`,
    metadata: sql`excluded.metadata`,
  };
  const set: Partial<Record<keyof typeof columns, ReturnType<typeof sql>>> = {};
  for (const field of MERGED_FIELDS) if (input[field] !== undefined) set[field] = columns[field];
  const [merged] = await tenant.transaction((tx) =>
    tx
      .insert(analyticsSnapshots)
      .values(row)
      .onConflictDoUpdate({
        target: [analyticsSnapshots.tenantId, analyticsSnapshots.date],
        set: {
          ...set,
          // jsonb `||` merges per key (the new value wins); both operands are immutable, as Citus requires.
          sourceBreakdown: sql`analytics_snapshots.source_breakdown || excluded.source_breakdown`,
          // The insert's own default (now()), not a call: Citus refuses functions in DO UPDATE SET.
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning(),
  );
  if (!merged) throw new Error('upsertDailySnapshot: the upsert returned no row');
  return merged;
}
