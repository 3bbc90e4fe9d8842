/** Analytics: the tenant's daily analytics snapshots (sessions, users, conversions, revenue). */
import type { TenantScope } from '../tenancy/index.ts';
import { recordAnalyticsSnapshots, type AnalyticsSnapshotInput } from './snapshot.ts';

export { recordAnalyticsSnapshots, type AnalyticsSnapshot, type AnalyticsSnapshotInput } from './snapshot.ts';

/** The tenant client's `analytics` namespace. */
export function analyticsNamespace(scope: TenantScope) {
  return {
    recordSnapshots: (days: readonly AnalyticsSnapshotInput[]) => recordAnalyticsSnapshots(scope, days),
  };
}
