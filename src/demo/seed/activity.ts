/**
 * What the application records for the tenant — agent results, analytics, usage, costs and their
 * rollup, budget alerts, insights — in a user-less tenant context, as its jobs would.
 */
import { recordAgentResults } from '../../tasks/index.ts';
import { recordUsageSnapshots } from '../../usage/index.ts';
import { sampleActivity, type ActivityInputs } from '../data/activity.ts';
import type { SampleTenantSpec } from '../data/spec.ts';
import { seedAnalytics, seedInsights } from './analytics.ts';
import { seedBilling } from './billing.ts';
import type { SeedScope } from './scope.ts';

/** Returns the rows written. */
export async function seedActivity(scope: SeedScope, spec: SampleTenantSpec, made: ActivityInputs): Promise<number> {
  const activity = sampleActivity(spec, made);
  let rows = (await recordAgentResults(scope, activity.agentResults)).length;
  rows += await seedAnalytics(scope, activity);
  rows += (await recordUsageSnapshots(scope, activity.usage)).length;
  rows += await seedBilling(scope, activity);
  rows += await seedInsights(scope, activity);
  return rows;
}
