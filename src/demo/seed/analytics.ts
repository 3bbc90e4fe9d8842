/** Analytics: daily snapshots (through the analytics module), product events and dashboard insights. */
import { recordAnalyticsSnapshots } from '../../analytics/index.ts';
import type { SampleActivity } from '../data/activity.ts';
import type { SeedScope } from './scope.ts';

/** Returns the rows written: snapshots and events. */
export async function seedAnalytics(scope: SeedScope, activity: SampleActivity): Promise<number> {
  const snapshots = await recordAnalyticsSnapshots(scope, activity.analyticsSnapshots);
  const events = await scope.tables.analyticsEvents.insert(activity.analyticsEvents);
  return snapshots.length + events.length;
}

/** The dashboard modules' insights (growth pulse, churn watch, cost guard). */
export async function seedInsights(scope: SeedScope, activity: SampleActivity): Promise<number> {
  return (await scope.tables.moduleInsights.insert(activity.insights)).length;
}
