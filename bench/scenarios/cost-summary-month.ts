/**
 * costSummary (src/billing) for one month of a large tenant, per day and service, against the
 * superuser's hand-written `date_trunc` query of the same grouping. Before timing, both sides'
 * rows are compared for the first target (as sets: within a day the raw query orders by the
 * service enum, costSummary by its text): a faster wrong answer would not count.
 */
import { costSummary } from '../../src/billing/index.ts';
import type { BenchDatabase } from '../databases.ts';
import { at, MODULE_THROUGHPUT, scenario, statement } from './scenario.ts';
import { client, tenantClients } from './targets.ts';

const RAW_SQL = `SELECT date_trunc('day', occurred_at, 'UTC') AS day, service, sum(cost_usd) AS total, count(*)::int AS events,
    sum(tokens_used) AS tokens
  FROM public.cost_events WHERE tenant_id = $1 AND occurred_at >= $2 AND occurred_at < $3
  GROUP BY 1, 2 ORDER BY 1, 2`;

// costSummary's statement (src/billing/cost-summary.ts, groupBy and by bound the way Drizzle binds
// them), written out for the EXPLAIN check only: the function does not hand out its SQL.
const COST_SUMMARY_SQL = `select (extract(epoch from s.period) * 1000)::float8 as period_start, s.key, s.total, s.events, s.tokens,
         (select tenantdb.time_zone_of(settings) from public.tenants where id = $1) as tz
  from (
    select date_trunc($2, occurred_at, (select tenantdb.time_zone_of(settings) from public.tenants where id = $3)) as period,
           service as key, sum(cost_usd)::text as total, count(*)::int as events, sum(tokens_used)::text as tokens
    from public.cost_events
    where tenant_id = $4 and occurred_at >= $5::timestamptz and occurred_at < $6::timestamptz
    group by 1, 2
  ) as s
  order by 1`;

export const costSummaryMonth = scenario({
  name: 'cost-summary-month',
  description:
    "costSummary() of a large tenant's last full month per day and service, against the hand-written date_trunc query",
  dataset: 'main',
  target: MODULE_THROUGHPUT,
  async prepare({ bench, info }) {
    const tenantIds = await largeTenants(bench, info.spec.bigTenants);
    // The last calendar month before the data set's anchor (UTC, every tenant's default zone):
    // the 90 days of history always cover it whole.
    const anchor = new Date(info.anchor);
    const to = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth(), 1));
    const from = new Date(Date.UTC(anchor.getUTCFullYear(), anchor.getUTCMonth() - 1, 1));
    const clients = tenantClients(
      bench,
      tenantIds.map((tenantId) => ({ tenantId })),
    );
    const summary = (tenantId: string) =>
      costSummary(client(clients, tenantId), { from, to, groupBy: 'day', by: 'service' });
    const raw = (tenantId: string) => bench.raw.query<RawRow>(RAW_SQL, [tenantId, from, to]);
    const first = at(tenantIds, 0);
    sameRows(await raw(first), (await summary(first)).rows);
    return {
      targets: tenantIds.length,
      sides: [
        { name: 'raw', op: (i) => raw(at(tenantIds, i)) },
        { name: 'tenantdb', op: (i) => summary(at(tenantIds, i)) },
      ],
      explain: {
        tenantId: first,
        table: 'cost_events',
        expectScan: true,
        statement: statement(COST_SUMMARY_SQL, [first, 'day', first, first, from.toISOString(), to.toISOString()]),
      },
    };
  },
});

interface RawRow {
  day: Date;
  service: string;
  total: string;
  events: number;
  tokens: string | null;
}

/** The tenants generated `bigFactor` times larger than the others: the first `bigTenants` (generate.ts). */
async function largeTenants(bench: BenchDatabase, bigTenants: number): Promise<string[]> {
  const slugs = Array.from({ length: bigTenants }, (_, k) => `bench-${k}`);
  const rows = await bench.raw.query<{ id: string }>(
    'SELECT id FROM public.tenants WHERE slug = ANY($1::text[]) ORDER BY slug',
    [slugs],
  );
  if (rows.length === 0) throw new Error(`${bench.name} has no large tenants: rerun with --regenerate.`);
  return rows.map((r) => r.id);
}

function sameRows(
  raw: RawRow[],
  summary: { periodStart: Date; key?: string | null; totalCostUsd: string; events: number; tokens: number }[],
): void {
  const rawText = raw.map((r) => [r.day.getTime(), r.service, r.total, r.events, Number(r.tokens ?? 0)].join(' '));
  const summaryText = summary.map((r) =>
    [r.periodStart.getTime(), r.key, r.totalCostUsd, r.events, r.tokens].join(' '),
  );
  // Within a day the raw query orders by the enum (its declaration order), costSummary by the key's text.
  rawText.sort();
  summaryText.sort();
  const differs = rawText.length !== summaryText.length || rawText.some((line, i) => line !== summaryText[i]);
  if (rawText.length === 0 || differs) {
    throw new Error(
      `cost-summary-month: costSummary and the raw query disagree (${summaryText.length} rows against ${rawText.length}; ` +
        `first: ${summaryText[0] ?? '—'} / ${rawText[0] ?? '—'})`,
    );
  }
}
