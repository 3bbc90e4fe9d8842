/**
 * The budget check: a system job (cron: `tenantdb budgets check`) that re-evaluates every budgeted
 * tenant's current periods and delivers the alert notifications that are due.
 */
import { sql } from 'drizzle-orm';
import { TenantDbError } from '../errors.ts';
import { budgetAlerts } from '../schema/billing.ts';
import { requireSystemScope, rowsOf, type SystemScope } from '../tenancy/index.ts';
import type { BudgetAlert } from './budget.ts';

export interface CheckBudgetsInput {
  /**
   * Sends one alert (email, Slack, …). Each due alert is handed to exactly one concurrent
   * checkBudgets; when the callback throws, the alert stays due for the next run.
   */
  onAlert?: (alert: BudgetAlert) => Promise<void> | void;
  /** Called as the job advances (for progress output). */
  onProgress?: (progress: { step: 'evaluated' | 'delivered'; done: number; total: number }) => void;
}

export interface CheckBudgetsResult {
  /** Tenants whose current periods were re-evaluated. */
  tenants: number;
  /** Alerts whose notification is due (all of them when there is no onAlert). */
  pending: BudgetAlert[];
  /** Notifications delivered (onAlert returned). */
  delivered: number;
  /** Notifications whose onAlert threw: still due. */
  failed: { alert: BudgetAlert; error: unknown }[];
}

const BATCH = 500;

/**
 * Re-evaluates the current day, week and month of every tenant that has a budget or an open
 * alert (so a budget raised or removed resolves its alerts even when no cost was recorded since),
 * then hands every alert whose notification is due to `onAlert`, counting each delivery in
 * `notifications_sent`. Without `onAlert` it only reports the due alerts. Alerts themselves are
 * raised by the database when costs are recorded; this job is the outbox that sends them.
 *
 * @example
 * await checkBudgets(system, { onAlert: (alert) => mailer.send(alertEmail(alert)) });
 */
export async function checkBudgets(scope: SystemScope, input: CheckBudgetsInput = {}): Promise<CheckBudgetsResult> {
  const system = requireSystemScope(scope, 'checkBudgets');
  if (input === null || typeof input !== 'object') {
    throw new TenantDbError('INVALID_INPUT', 'checkBudgets: pass { onAlert?, onProgress? }.');
  }
  if (input.onAlert !== undefined && typeof input.onAlert !== 'function') {
    throw new TenantDbError('INVALID_INPUT', 'checkBudgets: onAlert must be a function.');
  }
  const ids = await system.transaction(async (tx) =>
    rowsOf<{ id: string }>(
      await tx.execute(sql`
        select id from public.tenants
        where max_monthly_spend is not null or coalesce(settings #> '{billing,budgets}', '{}') <> '{}'
        union
        select distinct tenant_id from public.budget_alerts where not resolved
        order by 1`),
    ).map((r) => r.id),
  );
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    await system.transaction(async (tx) => {
      // One tenant after another, in id order (the recorders' lock order).
      for (const id of batch) await tx.execute(sql`select tenantdb.reevaluate_budgets(${id}::uuid)`);
    });
    input.onProgress?.({ step: 'evaluated', done: Math.min(i + BATCH, ids.length), total: ids.length });
  }
  const pending = await system.transaction((tx) =>
    tx
      .select()
      .from(budgetAlerts)
      .where(sql`${budgetAlerts.notificationPending}`)
      .orderBy(budgetAlerts.createdAt, budgetAlerts.id),
  );
  const result: CheckBudgetsResult = { tenants: ids.length, pending, delivered: 0, failed: [] };
  if (input.onAlert === undefined) return result;
  for (const due of pending) {
    // Claim it: only one concurrent checkBudgets gets the row back.
    const [alert] = await system.transaction((tx) =>
      tx
        .update(budgetAlerts)
        .set({
          notificationPending: false,
          notificationsSent: sql`${budgetAlerts.notificationsSent} + 1`,
        })
        .where(
          sql`${budgetAlerts.tenantId} = ${due.tenantId} and ${budgetAlerts.id} = ${due.id} and ${budgetAlerts.notificationPending}`,
        )
        .returning(),
    );
    if (alert === undefined) continue;
    try {
      await input.onAlert(alert);
      result.delivered++;
    } catch (error) {
      result.failed.push({ alert, error });
      await system.transaction((tx) =>
        tx
          .update(budgetAlerts)
          .set({ notificationPending: true, notificationsSent: sql`${budgetAlerts.notificationsSent} - 1` })
          .where(sql`${budgetAlerts.tenantId} = ${alert.tenantId} and ${budgetAlerts.id} = ${alert.id}`),
      );
    }
    input.onProgress?.({ step: 'delivered', done: result.delivered + result.failed.length, total: pending.length });
  }
  return result;
}
