/**
 * Isolation of the analytics reads: tenant B's events, snapshots and insights never appear in
 * tenant A's counts, trends or lists. Two protections hold it: RLS (forced, as tenantdb_app) and
 * the explicit `tenant_id = $tenant` predicate of every query. Shown by attack: with RLS disabled
 * on the three tables (as the owner, restored after), a read of A without the predicate sees B's
 * rows, and the module's functions, which carry the predicate, still see A's only.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createInsight,
  eventCounts,
  listInsights,
  recordAnalyticsSnapshots,
  snapshotTrend,
  trackEvents,
} from '../../src/analytics/index.ts';
import { withTenantContext, type TenantContext } from '../../src/index.ts';
import { rowsOf } from '../../src/db/rows.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { ownerContext, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

const TABLES = ['analytics_events', 'analytics_snapshots', 'module_insights'] as const;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Isolation A');
  b = await ownerContext(db, 'Isolation B');
  const june = new Date('2025-06-10T12:00:00Z');
  await trackEvents(tenantOf(db, a), [{ eventType: 'page', eventName: 'a_viewed', occurredAt: june }]);
  await trackEvents(
    tenantOf(db, b),
    Array.from({ length: 5 }, () => ({ eventType: 'secret', eventName: 'b_viewed', occurredAt: june })),
  );
  const day = { date: '2025-06-10', users: 1, conversions: 0 };
  await recordAnalyticsSnapshots(tenantOf(db, a), [{ ...day, sessions: 3, revenue: '1.00' }]);
  await recordAnalyticsSnapshots(tenantOf(db, b), [{ ...day, sessions: 500, revenue: '900.00' }]);
  await createInsight(tenantOf(db, a), { moduleSlug: 'growth-pulse', summary: 'A insight' });
  await createInsight(tenantOf(db, b), { moduleSlug: 'growth-pulse', summary: 'B secret insight' });
});
afterAll(async () => {
  await t?.dispose();
});

/** What A's module functions return. */
async function throughTheApi() {
  const tenant = tenantOf(db, a);
  const counts = await eventCounts(tenant, { from: '2025-06-01', to: '2025-06-30', groupBy: 'month', by: 'eventName' });
  const [sessions] = await snapshotTrend(tenant, { from: '2025-06-10', to: '2025-06-10', metric: 'sessions' });
  const [revenue] = await snapshotTrend(tenant, {
    from: '2025-06-01',
    to: '2025-06-30',
    metric: 'revenue',
    groupBy: 'month',
  });
  const insights = await listInsights(tenant, { module: 'growth-pulse' });
  return {
    events: counts.map((c) => [c.key, c.count]),
    sessions: sessions?.value,
    revenue: revenue?.value,
    insights: insights.items.map((i) => i.summary),
  };
}

const A_ONLY = { events: [['a_viewed', 1]], sessions: 3, revenue: '1.00', insights: ['A insight'] };

/** Rows of each table A's context reads with no tenant predicate: RLS alone decides. */
function withoutPredicate() {
  return withTenantContext(db, a, async (tx) => {
    const [row] = rowsOf<{ events: number; snapshots: number; insights: number }>(
      await tx.execute(sql`select
        (select count(*) from analytics_events)::int as events,
        (select count(*) from analytics_snapshots)::int as snapshots,
        (select count(*) from module_insights)::int as insights`),
    );
    return row;
  });
}

async function setRowSecurity(enabled: boolean) {
  for (const table of TABLES) {
    await t.db.rawQuery(`ALTER TABLE ${table} ${enabled ? 'ENABLE' : 'DISABLE'} ROW LEVEL SECURITY`);
  }
}

describe('analytics isolation', () => {
  it("A's counts, trends and lists hold none of B's rows, nor does a read of A without the predicate", async () => {
    expect(await throughTheApi()).toEqual(A_ONLY);
    expect(await withoutPredicate()).toEqual({ events: 1, snapshots: 1, insights: 1 });
  });

  it("with RLS removed, a read without the predicate leaks B's rows; the functions' own predicate still holds", async () => {
    await setRowSecurity(false);
    try {
      // The attack succeeds: RLS was what kept B's rows out of the unfiltered read.
      expect(await withoutPredicate()).toEqual({ events: 6, snapshots: 2, insights: 2 });
      // The second protection: every query of the module names the tenant itself.
      expect(await throughTheApi()).toEqual(A_ONLY);
    } finally {
      await setRowSecurity(true);
    }
    expect(await withoutPredicate()).toEqual({ events: 1, snapshots: 1, insights: 1 });
    const forced = await t.db.rawQuery<{ relname: string; on: boolean; forced: boolean }>(
      `select relname, relrowsecurity as on, relforcerowsecurity as forced from pg_class
        where relname = any($1::text[]) order by relname`,
      [TABLES],
    );
    expect(forced.map((r) => [r.relname, r.on, r.forced])).toEqual(TABLES.map((name) => [name, true, true]));
  });
});
