/** Billing: the sample cost events, recorded as the application records them (the database keeps the period totals and raises the budget alerts). */
import { recordCosts } from '../../billing/index.ts';
import type { SampleActivity } from '../data/activity.ts';
import type { SeedScope } from './scope.ts';

/** Returns the rows written: the cost events. */
export async function seedBilling(scope: SeedScope, activity: SampleActivity): Promise<number> {
  const events = await recordCosts(scope, activity.costs);
  return events.length;
}
