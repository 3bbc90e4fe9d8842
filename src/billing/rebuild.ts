/** Rebuilding the running cost totals from the cost events, for data loaded with triggers off. */
import { sql } from 'drizzle-orm';
import { requireSystemScope, rowsOf, type SystemScope } from '../tenancy/index.ts';

/**
 * Recomputes every tenant's running totals (`cost_period_totals`, each then due for the rollup)
 * and every conversation's `total_cost_usd` from the cost events, in one transaction. The
 * triggers keep them as costs are recorded; data that arrived with triggers off (a bulk load with
 * `session_replication_role = replica`) is not counted until this runs. Recording waits meanwhile
 * (a SHARE lock on cost_events); on Citus, run it when nothing records. Returns the period totals
 * written. Follow it with `rollupCosts(system)`.
 *
 * @example
 * await rebuildCostTotals(system);
 * await rollupCosts(system);
 */
export async function rebuildCostTotals(scope: SystemScope): Promise<number> {
  const system = requireSystemScope(scope, 'rebuildCostTotals');
  return system.transaction(async (tx) => {
    const [row] = rowsOf<{ n: string }>(await tx.execute(sql`select tenantdb.rebuild_cost_totals()::text as n`));
    return Number(row?.n ?? 0);
  });
}
