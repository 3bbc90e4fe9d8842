/** Rolling cost events up into weekly cost summaries, with a per-service breakdown. */
import { and, eq, inArray, sql } from 'drizzle-orm';
import { costEvents, costSummaries } from '../schema/billing.ts';
import { requireTenantScope, type TenantScope } from '../tenancy/index.ts';

export type CostSummary = typeof costSummaries.$inferSelect;

const WEEK_MS = 7 * 86_400_000;

/**
 * Rolls the tenant's cost events up into one cost summary per week (weeks start on Monday 00:00
 * UTC): the total, the total of each service (`breakdown`, exact decimal strings) and the number
 * of events. Sums are computed by the database in `numeric`, never in floats. Running it again
 * replaces the weekly summaries of the weeks it covers, so it is safe to repeat. Returns the
 * summaries written, oldest first.
 *
 * @example
 * const weeks = await rollupCosts(tenant);
 */
export async function rollupCosts(scope: TenantScope): Promise<CostSummary[]> {
  const tenant = requireTenantScope(scope, 'rollupCosts');
  const { tenantId } = tenant.context;
  return tenant.transaction(async (tx) => {
    const perService = tx
      .select({
        week: sql<Date>`date_trunc('week', ${costEvents.occurredAt}, 'UTC')`.as('week'),
        service: costEvents.service,
        total: sql<string>`sum(${costEvents.costUsd})`.as('total'),
        n: sql<number>`count(*)`.as('n'),
      })
      .from(costEvents)
      .where(eq(costEvents.tenantId, tenantId))
      .groupBy(sql`1`, costEvents.service)
      .as('per_service');
    const weeks = await tx
      .select({
        periodStart: sql<Date>`${perService.week}`.mapWith(costSummaries.periodStart),
        totalCostUsd: sql<string>`sum(${perService.total})::text`,
        breakdown: sql<
          CostSummary['breakdown']
        >`jsonb_object_agg(${perService.service}, ${perService.total}::text)`.mapWith(costSummaries.breakdown),
        eventCount: sql<number>`sum(${perService.n})::int`.mapWith(Number),
      })
      .from(perService)
      .groupBy(perService.week)
      .orderBy(perService.week);
    if (weeks.length === 0) return [];
    // Replace this rollup's earlier output for the same weeks (and only weekly summaries).
    await tx.delete(costSummaries).where(
      and(
        eq(costSummaries.tenantId, tenantId),
        inArray(
          costSummaries.periodStart,
          weeks.map((w) => w.periodStart),
        ),
        // period_end − period_start (immutable) rather than period_start + interval (stable,
        // which Citus refuses on columns in a DELETE, and which depends on the session's time zone).
        sql`${costSummaries.periodEnd} - ${costSummaries.periodStart} = interval '7 days'`,
      ),
    );
    return tx
      .insert(costSummaries)
      .values(
        weeks.map((w) => ({
          tenantId,
          periodStart: w.periodStart,
          periodEnd: new Date(w.periodStart.getTime() + WEEK_MS),
          totalCostUsd: w.totalCostUsd,
          breakdown: w.breakdown,
          eventCount: w.eventCount,
        })),
      )
      .returning();
  });
}
