/** Analytics: daily snapshots, product events and dashboard insights, through the analytics module. */
import { createInsight, recordAnalyticsSnapshots, trackEvents } from '../../analytics/index.ts';
import type { SampleActivity } from '../data/activity.ts';
import type { SeedScope } from './scope.ts';

/** Returns the rows written: snapshots and events. */
export async function seedAnalytics(scope: SeedScope, activity: SampleActivity): Promise<number> {
  const snapshots = await recordAnalyticsSnapshots(scope, activity.analyticsSnapshots);
  const events = await trackEvents(scope, activity.analyticsEvents);
  return snapshots.length + events;
}

/** The dashboard modules' insights (growth pulse, churn watch, cost guard). */
export async function seedInsights(scope: SeedScope, activity: SampleActivity): Promise<number> {
  for (const insight of activity.insights) await createInsight(scope, insight);
  return activity.insights.length;
}
