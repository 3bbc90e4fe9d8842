/**
 * Usage: the tenant's daily usage snapshots (API calls, messages, tokens, storage, active users),
 * derived from activity by a system job, recorded by a tenant, and read back with totals.
 */
import type { SystemScope, TenantScope } from '../tenancy/index.ts';
import type { DayRange } from './days.ts';
import { snapshotUsage, type SnapshotUsageOptions } from './derive.ts';
import { usage } from './report.ts';
import { recordUsageSnapshots, type UsageSnapshotInput } from './snapshot.ts';

export { MAX_RANGE_DAYS, type DayRange } from './days.ts';
export { snapshotUsage, type SnapshotUsageOptions, type SnapshotUsageResult } from './derive.ts';
export { usage, type UsageReport, type UsageTotals } from './report.ts';
export { recordUsageSnapshots, type UsageSnapshot, type UsageSnapshotInput } from './snapshot.ts';

/** The tenant client's `usage` namespace. */
export function usageNamespace(scope: TenantScope) {
  return {
    recordSnapshots: (days: readonly UsageSnapshotInput[]) => recordUsageSnapshots(scope, days),
    get: (range: DayRange) => usage(scope, range),
  };
}

/** The system client's `usage` namespace. */
export function systemUsageNamespace(scope: SystemScope) {
  return {
    snapshot: (options?: SnapshotUsageOptions) => snapshotUsage(scope, options),
  };
}
