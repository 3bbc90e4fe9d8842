/** Usage: the tenant's daily usage snapshots (API calls, tokens, storage). */
export { recordUsageSnapshots, type UsageSnapshot, type UsageSnapshotInput } from './snapshot.ts';
