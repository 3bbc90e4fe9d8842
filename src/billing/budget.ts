/** The budget check: raises a budget alert when the tenant's spend crosses a share of its monthly budget. */
import { and, eq, gte, sql } from 'drizzle-orm';
import { tenants } from '../contract/tenants.ts';
import { TenantDbError } from '../errors.ts';
import { budgetAlerts, costEvents } from '../schema/billing.ts';
import { requireTenantScope, validateValues, type TenantScope } from '../tenancy/index.ts';
import { fromMicros, toMicros } from './money.ts';

export type BudgetAlert = typeof budgetAlerts.$inferSelect;

export interface CheckBudgetInput {
  /** Start of the spend window: cost events at or after it count (e.g. the first of the month). */
  since: Date;
  /** Whole percentages of the monthly budget that raise an alert. Default 50, 80 and 100. */
  thresholds?: readonly number[];
  /** Who the alerts are for, stored with them (sending is the notifier's job). */
  notify?: { recipients?: string[]; channels?: string[] };
}

const DEFAULT_THRESHOLDS = [50, 80, 100];

function checkInput(input: CheckBudgetInput): { since: Date; thresholds: number[]; metadata: BudgetAlert['metadata'] } {
  if (input === null || typeof input !== 'object') {
    throw new TenantDbError('INVALID_INPUT', 'checkBudget: pass { since } (the start of the spend window).');
  }
  if (!(input.since instanceof Date) || Number.isNaN(input.since.getTime())) {
    throw new TenantDbError(
      'INVALID_INPUT',
      'checkBudget: since must be a valid Date (the start of the spend window).',
    );
  }
  const thresholds = [...new Set(input.thresholds ?? DEFAULT_THRESHOLDS)].sort((a, b) => a - b);
  for (const t of thresholds) {
    if (!Number.isInteger(t) || t <= 0 || t > 1000) {
      throw new TenantDbError(
        'INVALID_INPUT',
        `checkBudget: thresholds are whole percentages of the budget between 1 and 1000 (got ${t}).`,
      );
    }
  }
  const metadata: BudgetAlert['metadata'] = {};
  for (const key of ['recipients', 'channels'] as const) {
    const list = input.notify?.[key];
    if (list === undefined) continue;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string')) {
      throw new TenantDbError('INVALID_INPUT', `checkBudget: notify.${key} must be an array of strings.`);
    }
    metadata[key] = [...list];
  }
  validateValues('budget_alerts', { metadata });
  return { since: input.since, thresholds, metadata };
}

/**
 * Compares the tenant's spend since `input.since` (the sum of its cost events, in `numeric`) with
 * its monthly budget (`tenants.max_monthly_spend`) and raises one monthly budget alert for each
 * threshold crossed — critical from 100% on, a warning below — unless an unresolved alert for
 * that threshold was already raised in the window, so running the check again raises nothing new.
 * Returns the alerts raised; none when the tenant has no budget. Needs `billing:manage` when the
 * scope has a user (the database enforces it); the budget monitor runs without one.
 *
 * @example
 * const startOfMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
 * const raised = await checkBudget(tenant, { since: startOfMonth, notify: { channels: ['email'] } });
 */
export async function checkBudget(scope: TenantScope, input: CheckBudgetInput): Promise<BudgetAlert[]> {
  const tenant = requireTenantScope(scope, 'checkBudget');
  const { since, thresholds, metadata } = checkInput(input);
  const { tenantId } = tenant.context;
  return tenant.transaction(async (tx) => {
    const [row] = await tx.select({ budget: tenants.maxMonthlySpend }).from(tenants).where(eq(tenants.id, tenantId));
    if (row?.budget == null) return [];
    const [spent] = await tx
      .select({ total: sql<string>`coalesce(sum(${costEvents.costUsd}), 0)::text` })
      .from(costEvents)
      .where(and(eq(costEvents.tenantId, tenantId), gte(costEvents.occurredAt, since)));
    const spend = spent?.total ?? '0';
    const spendMicros = toMicros(spend);
    const raised = await tx
      .select({ threshold: budgetAlerts.threshold })
      .from(budgetAlerts)
      .where(
        and(
          eq(budgetAlerts.tenantId, tenantId),
          eq(budgetAlerts.period, 'monthly'),
          eq(budgetAlerts.resolved, false),
          gte(budgetAlerts.triggeredAt, since),
        ),
      );
    const already = new Set(raised.map((a) => toMicros(a.threshold)));
    const budgetMicros = toMicros(row.budget);
    const crossed = thresholds.flatMap((percent) => {
      // The threshold in whole cents (the column's scale), rounded half up; all in bigint.
      const cents = (budgetMicros * BigInt(percent) + 50n * 10_000n) / (100n * 10_000n);
      const micros = cents * 10_000n;
      return spendMicros >= micros && !already.has(micros) ? [{ percent, threshold: fromMicros(micros, 2) }] : [];
    });
    if (crossed.length === 0) return [];
    return tx
      .insert(budgetAlerts)
      .values(
        crossed.map((c) => ({
          tenantId,
          threshold: c.threshold,
          currentSpend: spend,
          period: 'monthly' as const,
          severity: c.percent >= 100 ? ('critical' as const) : ('warning' as const),
          metadata,
        })),
      )
      .returning();
  });
}
