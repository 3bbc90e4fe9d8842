/**
 * Billing: cost events (money exact), cost summaries per day/week/month of the tenant's time
 * zone, the rollup job, budgets with alerts and an optional hard limit enforced by the database.
 */
import type { SystemScope, TenantScope } from '../tenancy/index.ts';
import { checkBudgets, type CheckBudgetsInput } from './budget-check.ts';
import { budgetStatus, listBudgetAlerts, setBudget, type BudgetInput, type ListBudgetAlertsInput } from './budget.ts';
import { costSummary, type CostSummaryInput } from './cost-summary.ts';
import { rebuildCostTotals } from './rebuild.ts';
import { recordCost, recordCosts, type CostEventInput } from './record-cost.ts';
import { rollupCosts, type RollupCostsInput } from './rollup.ts';

export { checkBudgets, type CheckBudgetsInput, type CheckBudgetsResult } from './budget-check.ts';
export { BUDGET_ALERT_CHANNEL, onBudgetAlert, type BudgetAlertNotification, type Listener } from './notifications.ts';
export {
  budgetStatus,
  DEFAULT_THRESHOLDS,
  listBudgetAlerts,
  setBudget,
  type Budget,
  type BudgetAlert,
  type BudgetInput,
  type BudgetPeriodStatus,
  type BudgetStatus,
  type ListBudgetAlertsInput,
} from './budget.ts';
export { costSummary, type CostSummary, type CostSummaryInput, type CostSummaryRow } from './cost-summary.ts';
export { checkMoney, fromMicros, toMicros, type DecimalShape } from './money.ts';
export { PERIODS, type Period, type PeriodName } from './periods.ts';
export { rebuildCostTotals } from './rebuild.ts';
export { recordCost, recordCosts, type CostEvent, type CostEventInput, type CostService } from './record-cost.ts';
export { rollupCosts, type RollupCostsInput, type RollupResult } from './rollup.ts';

/** The tenant client's `billing` namespace. */
export function billingNamespace(scope: TenantScope) {
  return {
    recordCost: (event: CostEventInput) => recordCost(scope, event),
    recordCosts: (events: readonly CostEventInput[]) => recordCosts(scope, events),
    costSummary: (input: CostSummaryInput) => costSummary(scope, input),
    budgetStatus: () => budgetStatus(scope),
    listBudgetAlerts: (input?: ListBudgetAlertsInput) => listBudgetAlerts(scope, input),
  };
}

/** The system client's `billing` namespace: the cron jobs and the budgets. */
export function systemBillingNamespace(scope: SystemScope) {
  return {
    rollupCosts: (input?: RollupCostsInput) => rollupCosts(scope, input),
    checkBudgets: (input?: CheckBudgetsInput) => checkBudgets(scope, input),
    setBudget: (tenantId: string, input: BudgetInput) => setBudget(scope, tenantId, input),
    rebuildCostTotals: () => rebuildCostTotals(scope),
  };
}
