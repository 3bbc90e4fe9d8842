/** Billing: cost events, weekly cost rollups and the monthly budget check. Money is exact (decimal strings). */
export { checkBudget, type BudgetAlert, type CheckBudgetInput } from './budget.ts';
export { checkMoney, fromMicros, toMicros, type DecimalShape } from './money.ts';
export { recordCosts, type CostEvent, type CostEventInput, type CostService } from './record-cost.ts';
export { rollupCosts, type CostSummary } from './rollup.ts';
