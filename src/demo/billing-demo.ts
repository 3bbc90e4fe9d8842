/** The demo's billing step: each sample tenant's month-to-date spend, budget and open alerts, as its admin, under RLS. */
import { budgetStatus, costSummary, listBudgetAlerts } from '../billing/index.ts';
import type { Database } from '../db/database.ts';
import { withTenantContext } from '../tenancy/index.ts';
import type { SampleTenant } from './sample-data.ts';

export interface SpendRow {
  tenant: string;
  /** USD spent this month (the tenant's time zone), exact. */
  monthToDate: string;
  /** The service that cost the most this month, with its share. */
  topService: string;
  budget: string;
  percent: string;
  /** USD spent over the last 30 days, exact. */
  last30Days: string;
  /** The open alerts of the current periods: `monthly 80% warning`, … */
  alerts: string;
  /** How many alerts the database raised over the sample's 30 days, per period. */
  raised: string;
  /** Alerts or summary rows of another tenant: must be 0. */
  foreign: number;
}

/** Reads each sample tenant's budget status and this month's cost summary per service. */
export async function spendPerTenant(db: Database, sample: SampleTenant[]): Promise<SpendRow[]> {
  const rows: SpendRow[] = [];
  for (const tenant of sample) {
    const admin = tenant.people.find((p) => p.role === 'owner' || p.role === 'admin') ?? tenant.people[0];
    if (admin === undefined) continue;
    rows.push(
      await withTenantContext(db, { tenantId: tenant.id, userId: admin.userId }, async (_tx, scope) => {
        const status = await budgetStatus(scope);
        const month = status.periods.find((p) => p.period === 'monthly');
        const byService = await costSummary(scope, {
          from: month?.periodStart ?? new Date(),
          to: month?.periodEnd ?? new Date(),
          groupBy: 'month',
          by: 'service',
        });
        const now = new Date();
        const last30 = await costSummary(scope, {
          from: new Date(now.getTime() - 30 * 86_400_000),
          to: now,
          groupBy: 'month',
        });
        const history = await listBudgetAlerts(scope, { limit: 500 });
        const top = [...byService.rows].sort((a, b) => Number(b.totalCostUsd) - Number(a.totalCostUsd))[0];
        return {
          tenant: tenant.name,
          monthToDate: `${month?.spend ?? '0'} USD`,
          topService: top ? `${top.key} (${top.events} events)` : '-',
          budget: month?.budget === null || month?.budget === undefined ? '-' : `${month.budget} USD`,
          percent: month?.percent === null || month?.percent === undefined ? '-' : `${month.percent}%`,
          last30Days: `${last30.totalCostUsd} USD`,
          alerts: status.openAlerts.map((a) => `${a.period} ${a.thresholdPercent}% ${a.severity}`).join(', ') || 'none',
          raised: (['daily', 'weekly', 'monthly'] as const)
            .map((p) => `${history.items.filter((a) => a.period === p).length} ${p}`)
            .join(', '),
          foreign: [...status.openAlerts, ...history.items].filter((a) => a.tenantId !== tenant.id).length,
        };
      }),
    );
  }
  return rows;
}
