/**
 * Analytics: the tenant's product events (batch ingestion, counts per period), daily snapshots
 * (sessions, users, conversions, revenue; replaced or merged), trends over the snapshots, and the
 * dashboard modules' insights (keyset-paginated).
 */
import type { TenantScope } from '../tenancy/index.ts';
import { eventCounts, type EventCountsInput } from './event-counts.ts';
import { trackEvents, type AnalyticsEventInput } from './events.ts';
import { createInsight, listInsights, type InsightInput, type ListInsightsOptions } from './insights.ts';
import {
  recordAnalyticsSnapshots,
  upsertDailySnapshot,
  type AnalyticsSnapshotInput,
  type DailySnapshotInput,
} from './snapshot.ts';
import { snapshotTrend, type SnapshotTrendInput, type TrendMetric } from './trend.ts';

export {
  recordAnalyticsSnapshots,
  upsertDailySnapshot,
  type AnalyticsSnapshot,
  type AnalyticsSnapshotInput,
  type DailySnapshotInput,
} from './snapshot.ts';
export { MAX_EVENTS_PER_BATCH, trackEvents, type AnalyticsEvent, type AnalyticsEventInput } from './events.ts';
export { MAX_PERIODS, type GroupBy } from './periods.ts';
export {
  snapshotTrend,
  type MetricValue,
  type SnapshotTrendInput,
  type TrendMetric,
  type TrendPoint,
} from './trend.ts';
export { eventCounts, type EventCount, type EventCountsInput } from './event-counts.ts';
export {
  createInsight,
  listInsights,
  type InsightActionItem,
  type InsightInput,
  type InsightSeverity,
  type ListInsightsOptions,
  type ModuleInsight,
} from './insights.ts';

/** The tenant client's `analytics` namespace. */
export function analyticsNamespace(scope: TenantScope) {
  return {
    recordSnapshots: (days: readonly AnalyticsSnapshotInput[]) => recordAnalyticsSnapshots(scope, days),
    upsertDailySnapshot: (input: DailySnapshotInput) => upsertDailySnapshot(scope, input),
    trackEvents: (events: readonly AnalyticsEventInput[]) => trackEvents(scope, events),
    snapshotTrend: <M extends TrendMetric>(input: SnapshotTrendInput<M>) => snapshotTrend(scope, input),
    eventCounts: (input: EventCountsInput) => eventCounts(scope, input),
    createInsight: (input: InsightInput) => createInsight(scope, input),
    listInsights: (options?: ListInsightsOptions) => listInsights(scope, options),
  };
}
