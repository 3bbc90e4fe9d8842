/** Daily analytics snapshots: one row per tenant per day (sessions, users, conversions, revenue), replaced when recorded again. */
import { sql } from 'drizzle-orm';
import { checkMoney } from '../billing/index.ts';
import { TenantDbError } from '../errors.ts';
import { analyticsSnapshots } from '../schema/analytics.ts';
import { isUuid, requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';

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

const MAX_INT = 2_147_483_647;

/** A real calendar day as `YYYY-MM-DD` (not `2025-02-30`). */
function isDay(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const time = Date.parse(`${value}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().slice(0, 10) === value;
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
