/**
 * upsertDailySnapshot: one snapshot per tenant per day, merged by later calls (given fields
 * overwrite, omitted ones are kept, the source breakdown merged per source), in one statement,
 * racing calls never a unique violation; and recordAnalyticsSnapshots still replaces whole days.
 */
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAnalyticsSnapshots, upsertDailySnapshot, type DailySnapshotInput } from '../../src/analytics/index.ts';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { analyticsSnapshots } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';
import { countingScope, countRows } from './helpers.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;
let aConnector: string;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Daily A');
  b = await ownerContext(db, 'Daily B');
  aConnector = (await tenantOf(db, a).tables.connectors.insert({ name: 'GA', provider: 'google-analytics' })).id;
});
afterAll(async () => {
  await t?.dispose();
});

const dayOf = async (tenantId: string, date: string) => {
  const rows = await withSystemContext(
    db,
    (tx) =>
      tx
        .select()
        .from(analyticsSnapshots)
        .where(and(eq(analyticsSnapshots.tenantId, tenantId), eq(analyticsSnapshots.date, date))),
    { reason: 'test: read a snapshot' },
  );
  return rows[0];
};

const shape = (r: Awaited<ReturnType<typeof dayOf>>) =>
  r && {
    sessions: r.sessions,
    users: r.users,
    conversions: r.conversions,
    revenue: r.revenue,
    sourceBreakdown: r.sourceBreakdown,
    connectorId: r.connectorId,
    metadata: r.metadata,
  };

describe('upsertDailySnapshot', () => {
  it('creates the day, then merges: given fields overwrite, omitted are kept, sources merge per key', async () => {
    const tenant = tenantOf(db, a);
    const first = await upsertDailySnapshot(tenant, {
      date: '2025-07-01',
      sessions: 10,
      sourceBreakdown: { organic: 10 },
    });
    expect(shape(first)).toEqual({
      sessions: 10,
      users: 0,
      conversions: 0,
      revenue: '0.00',
      sourceBreakdown: { organic: 10 },
      connectorId: null,
      metadata: null,
    });
    const second = await tenant.analytics.upsertDailySnapshot({
      date: '2025-07-01',
      revenue: '12.50',
      users: 7,
      connectorId: aConnector,
      sourceBreakdown: { paid: 3 },
      metadata: { sampled: true },
    });
    expect(second.id).toBe(first.id);
    expect(shape(second)).toEqual({
      sessions: 10,
      users: 7,
      conversions: 0,
      revenue: '12.50',
      sourceBreakdown: { organic: 10, paid: 3 },
      connectorId: aConnector,
      metadata: { sampled: true },
    });
    expect(second.updatedAt.getTime()).toBeGreaterThanOrEqual(first.updatedAt.getTime());
    // A source given again is replaced; null clears the connector and the metadata.
    const third = await upsertDailySnapshot(tenant, {
      date: '2025-07-01',
      sessions: 20,
      sourceBreakdown: { organic: 15 },
      connectorId: null,
      metadata: null,
    });
    expect(shape(third)).toEqual({
      sessions: 20,
      users: 7,
      conversions: 0,
      revenue: '12.50',
      sourceBreakdown: { organic: 15, paid: 3 },
      connectorId: null,
      metadata: null,
    });
    // Only the date: the day is kept as it is.
    expect(shape(await upsertDailySnapshot(tenant, { date: '2025-07-01' }))).toEqual(shape(third));
    expect(shape(await dayOf(a.tenantId, '2025-07-01'))).toEqual(shape(third));
  });

  it('is one statement, inside the caller’s transaction', async () => {
    const failed = withTenantContext(db, a, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      await upsertDailySnapshot(counted, { date: '2025-07-02', sessions: 1 });
      expect(statements()).toBe(1);
      throw new Error('caller fails');
    });
    await expect(failed).rejects.toThrow('caller fails');
    expect(await dayOf(a.tenantId, '2025-07-02')).toBeUndefined();
  });

  it('calls racing for a new day all succeed and merge (never a unique violation)', async () => {
    const sources = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    await Promise.all(
      sources.map((source, i) =>
        upsertDailySnapshot(tenantOf(db, a), { date: '2025-07-03', sessions: i + 1, sourceBreakdown: { [source]: i } }),
      ),
    );
    const day = await dayOf(a.tenantId, '2025-07-03');
    expect(Object.keys(day?.sourceBreakdown ?? {}).sort()).toEqual(sources);
    expect(sources.map((_, i) => i + 1)).toContain(day?.sessions);
  });

  it('works with recordAnalyticsSnapshots: a recorded day is replaced whole, then merged into', async () => {
    const tenant = tenantOf(db, a);
    await upsertDailySnapshot(tenant, { date: '2025-07-04', sessions: 5, sourceBreakdown: { organic: 5 } });
    await recordAnalyticsSnapshots(tenant, [
      { date: '2025-07-04', sessions: 9, users: 8, conversions: 1, revenue: '3.00', sourceBreakdown: { paid: 9 } },
    ]);
    expect(shape(await dayOf(a.tenantId, '2025-07-04'))?.sourceBreakdown).toEqual({ paid: 9 });
    const merged = await upsertDailySnapshot(tenant, {
      date: '2025-07-04',
      conversions: 2,
      sourceBreakdown: { email: 1 },
    });
    expect(shape(merged)).toEqual({
      sessions: 9,
      users: 8,
      conversions: 2,
      revenue: '3.00',
      sourceBreakdown: { paid: 9, email: 1 },
      connectorId: null,
      metadata: null,
    });
  });

  it('refuses bad input with INVALID_INPUT before any SQL: nothing written, the transaction usable', async () => {
    const bad: [string, unknown][] = [
      ['no date', { sessions: 1 }],
      ['not a day', { date: '2025-02-30' }],
      ['a Date', { date: new Date() }],
      ['negative', { date: '2025-07-09', sessions: -1 }],
      ['fraction', { date: '2025-07-09', users: 1.5 }],
      ['too big', { date: '2025-07-09', conversions: 2 ** 31 }],
      ['float revenue', { date: '2025-07-09', revenue: 1.5 }],
      ['3 decimals', { date: '2025-07-09', revenue: '1.505' }],
      ['bad connector', { date: '2025-07-09', connectorId: 'ga' }],
      ['breakdown array', { date: '2025-07-09', sourceBreakdown: [1] }],
      ['breakdown NaN', { date: '2025-07-09', sourceBreakdown: { organic: Number.NaN } }],
      ['breakdown negative', { date: '2025-07-09', sourceBreakdown: { organic: -1 } }],
      ['breakdown empty key', { date: '2025-07-09', sourceBreakdown: { '': 1 } }],
      ['metadata string', { date: '2025-07-09', metadata: 'x' }],
      ['null', null],
    ];
    const before = await countRows(db, 'analytics_snapshots', a.tenantId);
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, input] of bad) {
        expect(await codeOf(upsertDailySnapshot(scope, input as DailySnapshotInput)), label).toBe('INVALID_INPUT');
      }
      await tx.select().from(analyticsSnapshots).limit(1);
    });
    expect(await countRows(db, 'analytics_snapshots', a.tenantId)).toBe(before);
    await expect(upsertDailySnapshot(tenantOf(db, a), { date: '2025-07-09', sessions: -1 })).rejects.toThrow(
      /^upsertDailySnapshot: sessions must be a non-negative integer/,
    );
    expect(await codeOf(upsertDailySnapshot(systemOf(db) as never, { date: '2025-07-09' }))).toBe(
      'TENANT_CONTEXT_MISSING',
    );
  });

  it("tenant B's day is its own: B cannot merge into A's day nor point at A's connector", async () => {
    const before = shape(await dayOf(a.tenantId, '2025-07-01'));
    expect(
      await codeOf(upsertDailySnapshot(tenantOf(db, b), { date: '2025-07-05', connectorId: aConnector, sessions: 1 })),
    ).toBe('CROSS_TENANT_REFERENCE');
    const own = await upsertDailySnapshot(tenantOf(db, b), {
      date: '2025-07-01',
      sessions: 999,
      sourceBreakdown: { b: 1 },
    });
    expect(own.tenantId).toBe(b.tenantId);
    expect(shape(own)?.sourceBreakdown).toEqual({ b: 1 });
    expect(shape(await dayOf(a.tenantId, '2025-07-01'))).toEqual(before);
  });
});
