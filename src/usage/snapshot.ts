/** Daily usage snapshots: one row per tenant per day (API calls, messages, tokens, storage, active users), replaced when recorded again. */
import { sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { usageSnapshots } from '../schema/analytics.ts';
import { requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';
import { isDay } from './days.ts';

export type UsageSnapshot = typeof usageSnapshots.$inferSelect;

export interface UsageSnapshotInput {
  /** The day, `YYYY-MM-DD`. */
  date: string;
  apiCalls: number;
  tokensUsed: number;
  storageBytes: number;
  /** Messages written that day (default 0). */
  messages?: number;
  /** Distinct users active that day (default 0). */
  activeUsers?: number;
  metadata?: Record<string, unknown> | null;
}

const MAX_INT = 2_147_483_647;

function checkDay(day: UsageSnapshotInput, i: number): UsageSnapshotInput {
  const at = `recordUsageSnapshots: days[${i}]`;
  if (day === null || typeof day !== 'object') throw new TenantDbError('INVALID_INPUT', `${at} must be an object.`);
  if (!isDay(day.date)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `${at}.date must be a day as YYYY-MM-DD (got ${JSON.stringify(day.date)}).`,
    );
  }
  for (const [key, max] of [
    ['apiCalls', MAX_INT],
    ['tokensUsed', Number.MAX_SAFE_INTEGER],
    ['storageBytes', Number.MAX_SAFE_INTEGER],
    ['messages', MAX_INT],
    ['activeUsers', MAX_INT],
  ] as const) {
    const value = day[key] ?? 0;
    if (!Number.isInteger(value) || value < 0 || value > max) {
      throw new TenantDbError('INVALID_INPUT', `${at}.${key} must be a non-negative integer (got ${value}).`);
    }
  }
  return day;
}

/**
 * Records the tenant's usage of the given days: one snapshot per day, inserted, or replacing the
 * day's earlier snapshot (upsert on `(tenant_id, date)`), in one statement. Returns the rows.
 *
 * @example
 * await recordUsageSnapshots(tenant, [{ date: '2025-06-01', apiCalls: 1200, tokensUsed: 180_000, storageBytes: 42e6 }]);
 */
export async function recordUsageSnapshots(
  scope: TenantScope,
  days: readonly UsageSnapshotInput[],
): Promise<UsageSnapshot[]> {
  const tenant = requireTenantScope(scope, 'recordUsageSnapshots');
  if (!Array.isArray(days)) throw new TenantDbError('INVALID_INPUT', 'recordUsageSnapshots: days must be an array.');
  const { tenantId } = tenant.context;
  const seen = new Set<string>();
  const rows = days.map((day, i) => {
    const d = checkDay(day, i);
    // One statement cannot upsert the same row twice (Postgres refuses it): say so first.
    if (seen.has(d.date)) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `recordUsageSnapshots: ${d.date} is given twice; pass one snapshot per day.`,
      );
    }
    seen.add(d.date);
    const row = {
      tenantId,
      date: d.date,
      apiCalls: d.apiCalls,
      messages: d.messages ?? 0,
      activeUsers: d.activeUsers ?? 0,
      tokensUsed: d.tokensUsed,
      storageBytes: d.storageBytes,
      metadata: d.metadata ?? null,
    };
    validateValues('usage_snapshots', row);
    return row;
  });
  if (rows.length === 0) return [];
  return tenant.transaction((tx) =>
    tx
      .insert(usageSnapshots)
      .values(rows)
      .onConflictDoUpdate({
        target: [usageSnapshots.tenantId, usageSnapshots.date],
        set: {
          apiCalls: sql`excluded.api_calls`,
          messages: sql`excluded.messages`,
          activeUsers: sql`excluded.active_users`,
          tokensUsed: sql`excluded.tokens_used`,
          storageBytes: sql`excluded.storage_bytes`,
          metadata: sql`excluded.metadata`,
          // The insert's own default (now()), not a call: Citus refuses functions in DO UPDATE SET.
          updatedAt: sql`excluded.updated_at`,
        },
      })
      .returning(),
  );
}
