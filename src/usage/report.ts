/** usage(): a tenant's daily usage snapshots over a range of days, and their totals. */
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { usageSnapshots } from '../schema/analytics.ts';
import { requireTenantScope, type TenantScope } from '../tenancy/index.ts';
import { checkRange, type DayRange } from './days.ts';
import type { UsageSnapshot } from './snapshot.ts';

export interface UsageTotals {
  /** Sums over the range's snapshots. */
  apiCalls: number;
  messages: number;
  tokensUsed: number;
  /** The stored bytes of the range's last snapshot (storage is a level, not a flow: never summed). */
  storageBytes: number;
  /**
   * The most active users of any one day. Daily distinct users do not add up to the range's
   * distinct users (the same person is active on many days), so they are not summed.
   */
  peakActiveUsers: number;
}

export interface UsageReport extends DayRange {
  /** The tenant's snapshots of the range, oldest first (a day without a snapshot is absent). */
  snapshots: UsageSnapshot[];
  totals: UsageTotals;
}

function sumOf(snapshots: readonly UsageSnapshot[], key: 'apiCalls' | 'messages' | 'tokensUsed'): number {
  const total = snapshots.reduce((sum, s) => sum + BigInt(s[key]), 0n);
  if (total > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new TenantDbError(
      'INVALID_INPUT',
      `usage: the total ${key} of this range exceeds 2^53-1 and would not be exact: ask for a shorter range.`,
    );
  }
  return Number(total);
}

/**
 * The tenant's usage snapshots from `from` to `to` (both `YYYY-MM-DD`, included, at most 366
 * days), oldest first, with their totals: API calls, messages and tokens summed, storage the last
 * day's, active users the busiest day's. One statement; any member may read it.
 *
 * @example
 * const { snapshots, totals } = await usage(tenant, { from: '2025-06-01', to: '2025-06-30' });
 */
export async function usage(scope: TenantScope, range: DayRange): Promise<UsageReport> {
  const tenant = requireTenantScope(scope, 'usage');
  if (range === null || typeof range !== 'object') {
    throw new TenantDbError('INVALID_INPUT', 'usage: pass the range as { from, to } (days as YYYY-MM-DD).');
  }
  const { from, to } = checkRange(range, 'usage');
  const { tenantId } = tenant.context;
  const snapshots = await tenant.transaction((tx) =>
    tx
      .select()
      .from(usageSnapshots)
      // The explicit tenant predicate as well as RLS: Citus routes the query to the tenant's shard.
      .where(and(eq(usageSnapshots.tenantId, tenantId), gte(usageSnapshots.date, from), lte(usageSnapshots.date, to)))
      .orderBy(asc(usageSnapshots.date)),
  );
  return {
    from,
    to,
    snapshots,
    totals: {
      apiCalls: sumOf(snapshots, 'apiCalls'),
      messages: sumOf(snapshots, 'messages'),
      tokensUsed: sumOf(snapshots, 'tokensUsed'),
      storageBytes: snapshots.at(-1)?.storageBytes ?? 0,
      peakActiveUsers: snapshots.reduce((max, s) => Math.max(max, s.activeUsers), 0),
    },
  };
}
