/** Billing: cost events, weekly cost rollups and the monthly budget check. Money is exact (decimal strings). */
import type { TenantScope } from '../tenancy/index.ts';
import { checkBudget, type CheckBudgetInput } from './budget.ts';
import { recordCost, recordCosts, type CostEventInput } from './record-cost.ts';
import { rollupCosts } from './rollup.ts';

export { checkBudget, type BudgetAlert, type CheckBudgetInput } from './budget.ts';
export { checkMoney, fromMicros, toMicros, type DecimalShape } from './money.ts';
export { recordCost, recordCosts, type CostEvent, type CostEventInput, type CostService } from './record-cost.ts';
export { rollupCosts, type CostSummary } from './rollup.ts';

/** The tenant client's `billing` namespace. */
export function billingNamespace(scope: TenantScope) {
  return {
    recordCost: (event: CostEventInput) => recordCost(scope, event),
    recordCosts: (events: readonly CostEventInput[]) => recordCosts(scope, events),
    rollupCosts: () => rollupCosts(scope),
    checkBudget: (input: CheckBudgetInput) => checkBudget(scope, input),
  };
}
