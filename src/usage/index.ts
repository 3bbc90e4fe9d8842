/** Usage: the tenant's daily usage snapshots (API calls, tokens, storage). */
import type { TenantScope } from '../tenancy/index.ts';
import { recordUsageSnapshots, type UsageSnapshotInput } from './snapshot.ts';

export { recordUsageSnapshots, type UsageSnapshot, type UsageSnapshotInput } from './snapshot.ts';

/** The tenant client's `usage` namespace. */
export function usageNamespace(scope: TenantScope) {
  return {
    recordSnapshots: (days: readonly UsageSnapshotInput[]) => recordUsageSnapshots(scope, days),
  };
}
