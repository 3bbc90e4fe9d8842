/** Billing: cost events, their weekly rollup and the budget check, as the application's jobs run them. */
import { checkBudget, recordCosts, rollupCosts } from '../../billing/index.ts';
import { pastDailyAlert, type SampleActivity } from '../data/activity.ts';
import { daysAgo } from '../data/helpers.ts';
import type { SampleTenantSpec } from '../data/spec.ts';
import type { SeedScope } from './scope.ts';

/** Returns the rows written: cost events, cost summaries and budget alerts. */
export async function seedBilling(scope: SeedScope, spec: SampleTenantSpec, activity: SampleActivity): Promise<number> {
  const events = await recordCosts(scope, activity.costs);
  const summaries = await rollupCosts(scope);
  // The budget monitor: 50%, 80% and 100% of the monthly budget, over the 30 days of sample costs.
  const raised = await checkBudget(scope, {
    since: daysAgo(30),
    notify: { recipients: [`billing@${spec.domain}`], channels: ['email', 'slack'] },
  });
  await scope.tables.budgetAlerts.insert(pastDailyAlert(spec));
  return events.length + summaries.length + raised.length + 1;
}
