/**
 * Budgets: a tenant's budget per day, week and month, the thresholds that raise alerts and the
 * optional hard limit. The alerts themselves are raised, escalated and resolved by the database
 * as the spend moves (migration 0017); this file sets budgets and reads their state.
 */
import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import { tenants } from '../contract/tenants.ts';
import { TenantDbError } from '../errors.ts';
import { budgetAlerts } from '../schema/billing.ts';
import {
  keyset,
  requireSystemScope,
  requireTenantScope,
  rowsOf,
  validateContext,
  type KeysetResult,
  type SystemScope,
  type TenantScope,
} from '../tenancy/index.ts';
import { checkMoney, toMicros } from './money.ts';
import type { PeriodName } from './periods.ts';

export type BudgetAlert = typeof budgetAlerts.$inferSelect;

/** The budgets of a tenant. Amounts are USD decimal strings; null: no budget for that period. */
export interface Budget {
  /** `tenants.max_monthly_spend`. */
  monthly: string | null;
  daily: string | null;
  weekly: string | null;
  /** Whole percentages of each budget that raise an alert. */
  thresholds: number[];
  /** Refuse recording more cost in a period whose spend has reached its budget. */
  hardLimit: boolean;
}

/** What {@link setBudget} changes; what is left out stays as it is. */
export type BudgetInput = Partial<Budget>;

export const DEFAULT_THRESHOLDS: readonly number[] = [50, 80, 100];

const PERIOD_KEYS = ['monthly', 'daily', 'weekly'] as const;

interface BillingSettings {
  budgets?: { daily?: string; weekly?: string };
  thresholds?: number[];
  hardLimit?: boolean;
}

function checkBudgetInput(input: BudgetInput): BudgetInput {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    throw new TenantDbError('INVALID_INPUT', 'setBudget: pass { monthly?, daily?, weekly?, thresholds?, hardLimit? }.');
  }
  const known = new Set<string>([...PERIOD_KEYS, 'thresholds', 'hardLimit']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new TenantDbError('INVALID_INPUT', `setBudget: unknown option ${JSON.stringify(key)}.`);
  }
  for (const key of PERIOD_KEYS) {
    const value = input[key];
    if (value != null) checkMoney(value, `setBudget: ${key}`, { precision: 12, scale: 2 });
  }
  if (input.thresholds !== undefined) {
    if (!Array.isArray(input.thresholds) || input.thresholds.length === 0 || input.thresholds.length > 20) {
      throw new TenantDbError('INVALID_INPUT', 'setBudget: thresholds must be a list of 1 to 20 percentages.');
    }
    for (const t of input.thresholds) {
      if (!Number.isInteger(t) || t < 1 || t > 1000) {
        throw new TenantDbError(
          'INVALID_INPUT',
          `setBudget: thresholds are whole percentages of the budget from 1 to 1000 (got ${String(t)}).`,
        );
      }
    }
  }
  if (input.hardLimit !== undefined && typeof input.hardLimit !== 'boolean') {
    throw new TenantDbError('INVALID_INPUT', 'setBudget: hardLimit must be true or false.');
  }
  return input;
}

function budgetOf(monthly: string | null, settings: Record<string, unknown>): Budget {
  const billing = (settings.billing ?? {}) as BillingSettings;
  return {
    monthly,
    daily: billing.budgets?.daily ?? null,
    weekly: billing.budgets?.weekly ?? null,
    thresholds: billing.thresholds ?? [...DEFAULT_THRESHOLDS],
    hardLimit: billing.hardLimit ?? false,
  };
}

/**
 * Sets a tenant's budgets (system work: a tenant cannot raise its own limit). The monthly budget
 * is `tenants.max_monthly_spend`; daily and weekly budgets, the thresholds and the hard limit are
 * `tenants.settings.billing`. The tenant's current day, week and month are re-evaluated in the
 * same transaction: a raised budget resolves the alerts it no longer justifies, a lowered one
 * raises alerts. Returns the tenant's budgets after the change.
 *
 * @example
 * await setBudget(system, tenantId, { monthly: '100.00', daily: '10.00', hardLimit: true });
 */
export async function setBudget(scope: SystemScope, tenantId: string, input: BudgetInput): Promise<Budget> {
  const system = requireSystemScope(scope, 'setBudget');
  validateContext({ tenantId });
  const change = checkBudgetInput(input);
  return system.transaction(async (tx) => {
    const [row] = await tx
      .select({ monthly: tenants.maxMonthlySpend, settings: tenants.settings })
      .from(tenants)
      .where(eq(tenants.id, tenantId))
      .for('update');
    if (!row) throw new TenantDbError('TENANT_NOT_FOUND', `Tenant ${tenantId} does not exist. Nothing was changed.`);
    const current = budgetOf(row.monthly, row.settings);
    const next: Budget = {
      monthly: change.monthly === undefined ? current.monthly : change.monthly,
      daily: change.daily === undefined ? current.daily : change.daily,
      weekly: change.weekly === undefined ? current.weekly : change.weekly,
      thresholds: [...new Set(change.thresholds ?? current.thresholds)].sort((a, b) => a - b),
      hardLimit: change.hardLimit ?? current.hardLimit,
    };
    const billing: BillingSettings = {
      budgets: {
        ...(next.daily === null ? {} : { daily: next.daily }),
        ...(next.weekly === null ? {} : { weekly: next.weekly }),
      },
      thresholds: next.thresholds,
      hardLimit: next.hardLimit,
    };
    const [updated] = await tx
      .update(tenants)
      .set({
        maxMonthlySpend: next.monthly,
        settings: sql`jsonb_set(${tenants.settings}, '{billing}', ${JSON.stringify(billing)}::jsonb)`,
      })
      .where(eq(tenants.id, tenantId))
      .returning({ monthly: tenants.maxMonthlySpend, settings: tenants.settings });
    if (!updated) throw new Error('update of tenants returned no row');
    await tx.execute(sql`select tenantdb.reevaluate_budgets(${tenantId}::uuid)`);
    return budgetOf(updated.monthly, updated.settings);
  });
}

/** A tenant's current day, week or month against its budget. */
export interface BudgetPeriodStatus {
  period: PeriodName;
  periodStart: Date;
  periodEnd: Date;
  /** USD spent in the period so far, exact. */
  spend: string;
  /** The period's budget, null when it has none. */
  budget: string | null;
  /** spend / budget in whole percent, rounded down; null without a budget. */
  percent: number | null;
  /** The hard limit is on and the spend has reached the budget: recording more cost is refused. */
  blocked: boolean;
}

export interface BudgetStatus {
  timeZone: string;
  budget: Budget;
  periods: BudgetPeriodStatus[];
  /** The unresolved alerts of the current periods, highest threshold first. */
  openAlerts: BudgetAlert[];
}

/**
 * The scope's tenant's budgets and its spend in the current day, week and month (of its time
 * zone), read from the running totals the database keeps: no scan of cost events. Readable by any
 * member.
 *
 * @example
 * const { periods } = await budgetStatus(tenant);
 * const month = periods.find((p) => p.period === 'monthly');
 * console.log(`${month?.spend} of ${month?.budget} USD`);
 */
export async function budgetStatus(scope: TenantScope): Promise<BudgetStatus> {
  const tenant = requireTenantScope(scope, 'budgetStatus');
  const { tenantId } = tenant.context;
  return tenant.transaction(async (tx) => {
    const [row] = await tx
      .select({ monthly: tenants.maxMonthlySpend, settings: tenants.settings })
      .from(tenants)
      .where(eq(tenants.id, tenantId));
    if (!row) throw new TenantDbError('TENANT_NOT_FOUND', `Tenant ${tenantId} does not exist.`);
    const budget = budgetOf(row.monthly, row.settings);
    const periods = rowsOf<{ period: PeriodName; start: number; end: number; spend: string; tz: string }>(
      await tx.execute(sql`
        with tz as (select tenantdb.time_zone_of(${JSON.stringify(row.settings)}::jsonb) as name),
        p as (
          select x.period, x.unit, date_trunc(x.unit, now(), tz.name) as start, tz.name as tz
          from tz cross join (values ('daily', 'day'), ('weekly', 'week'), ('monthly', 'month')) as x(period, unit)
        )
        select p.period, p.tz,
               (extract(epoch from p.start) * 1000)::float8 as start,
               (extract(epoch from ((p.start at time zone p.tz) + ('1 ' || p.unit)::interval) at time zone p.tz) * 1000)::float8 as end,
               coalesce((select c.spend from public.cost_period_totals c
                         where c.tenant_id = ${tenantId} and c.period = p.period::public.budget_period
                           and c.period_start = p.start), 0)::text as spend
        from p order by p.period`),
    );
    const openAlerts = await tx
      .select()
      .from(budgetAlerts)
      .where(
        and(
          eq(budgetAlerts.tenantId, tenantId),
          eq(budgetAlerts.resolved, false),
          sql`(${budgetAlerts.period}, ${budgetAlerts.periodStart}) in (${sql.join(
            periods.map(
              (p) => sql`(${p.period}::public.budget_period, ${new Date(Number(p.start)).toISOString()}::timestamptz)`,
            ),
            sql`, `,
          )})`,
        ),
      )
      .orderBy(sql`${budgetAlerts.thresholdPercent} desc`, budgetAlerts.period);
    return {
      timeZone: periods[0]?.tz ?? 'UTC',
      budget,
      periods: periods.map((p) => {
        const limit = budget[p.period];
        const percent = limit === null || Number(limit) === 0 ? null : percentOf(p.spend, limit);
        return {
          period: p.period,
          periodStart: new Date(Number(p.start)),
          periodEnd: new Date(Number(p.end)),
          spend: p.spend,
          budget: limit,
          percent,
          blocked: budget.hardLimit && limit !== null && compareDecimal(p.spend, limit) >= 0,
        };
      }),
      openAlerts,
    };
  });
}

export interface ListBudgetAlertsInput {
  /** Only resolved (true) or only open (false) alerts; default both. */
  resolved?: boolean;
  limit?: number;
  cursor?: string | null;
}

/**
 * The scope's tenant's budget alerts, newest first, a page at a time (keyset on
 * `(created_at, id)`; pass the returned `nextCursor` for the next page).
 *
 * @example
 * const { items, nextCursor } = await listBudgetAlerts(tenant, { resolved: false, limit: 20 });
 */
export async function listBudgetAlerts(
  scope: TenantScope,
  input: ListBudgetAlertsInput = {},
): Promise<KeysetResult<BudgetAlert>> {
  const tenant = requireTenantScope(scope, 'listBudgetAlerts');
  if (input === null || typeof input !== 'object') {
    throw new TenantDbError('INVALID_INPUT', 'listBudgetAlerts: pass { resolved?, limit?, cursor? }.');
  }
  if (input.resolved !== undefined && typeof input.resolved !== 'boolean') {
    throw new TenantDbError('INVALID_INPUT', 'listBudgetAlerts: resolved must be true or false.');
  }
  const { tenantId } = tenant.context;
  const page = keyset(budgetAlerts, {
    list: 'budget_alerts',
    fn: 'listBudgetAlerts',
    tenantId,
    cursor: input.cursor,
    limit: input.limit,
  });
  return tenant.transaction(async (tx) =>
    page.result(
      await tx
        .select({ ...getTableColumns(budgetAlerts), ...page.select })
        .from(budgetAlerts)
        .where(
          and(
            eq(budgetAlerts.tenantId, tenantId),
            input.resolved === undefined ? undefined : eq(budgetAlerts.resolved, input.resolved),
            page.where,
          ),
        )
        .orderBy(...page.orderBy)
        .limit(page.fetch),
    ),
  );
}

/** Whole percent of `spend` over `budget`, rounded down, in bigint (exact). */
function percentOf(spend: string, budget: string): number {
  return Number((toMicros(spend) * 100n) / toMicros(budget));
}

function compareDecimal(a: string, b: string): number {
  const d = toMicros(a) - toMicros(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
