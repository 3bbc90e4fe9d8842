import { gte, sql, sum } from 'drizzle-orm';
import type { Orm } from '../../src/index.ts';
import { costEvents } from '../../src/schema/index.ts';
import { at, scenario, statement, THROUGHPUT } from './scenario.ts';
import { client, LIST_TARGETS, sampleConversations, tenantClients } from './targets.ts';

export const costMonthly = scenario({
  name: 'cost-monthly',
  description: "a tenant's cost per service for the current month (sum of cost_usd grouped by service and month)",
  dataset: 'main',
  target: THROUGHPUT,
  async prepare({ bench }) {
    const tenantIds = (await sampleConversations(bench, LIST_TARGETS)).map((c) => c.tenantId);
    const clients = tenantClients(
      bench,
      tenantIds.map((tenantId) => ({ tenantId })),
    );
    const rawSql = `SELECT service, date_trunc('month', occurred_at) AS month, sum(cost_usd) AS total
      FROM public.cost_events WHERE tenant_id = $1 AND occurred_at >= date_trunc('month', now())
      GROUP BY service, date_trunc('month', occurred_at)`;
    const tenantSql = `SELECT service, date_trunc('month', occurred_at) AS month, sum(cost_usd) AS total
      FROM public.cost_events WHERE occurred_at >= date_trunc('month', now())
      GROUP BY service, date_trunc('month', occurred_at)`;
    return {
      targets: tenantIds.length,
      sides: [
        { name: 'raw', op: (i) => bench.raw.query(rawSql, [at(tenantIds, i)]) },
        // No tenant filter written here: RLS supplies it.
        { name: 'tenantdb', op: (i) => client(clients, at(tenantIds, i)).query(tenantSql) },
        { name: 'orm', op: (i) => client(clients, at(tenantIds, i)).run(async (tx) => costThisMonth(tx)) },
      ],
      explain: {
        tenantId: at(tenantIds, 0),
        table: 'cost_events',
        expectScan: true,
        statement: statement(tenantSql, []),
      },
    };
  },
});

/** The cost-monthly statement, as tenant.run gets it: no tenant filter, RLS adds it. */
function costThisMonth(orm: Pick<Orm, 'select'>) {
  const month = sql<string>`date_trunc('month', ${costEvents.occurredAt})`;
  return orm
    .select({ service: costEvents.service, month, total: sum(costEvents.costUsd) })
    .from(costEvents)
    .where(gte(costEvents.occurredAt, sql`date_trunc('month', now())`))
    .groupBy(costEvents.service, month);
}
