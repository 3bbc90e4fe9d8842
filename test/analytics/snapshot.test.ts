/** recordAnalyticsSnapshots: one analytics row per tenant per day, replaced when the day is recorded again. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAnalyticsSnapshots, type AnalyticsSnapshotInput } from '../../src/analytics/index.ts';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { analyticsSnapshots } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;
let aConnector: string;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Analytics A');
  b = await ownerContext(db, 'Analytics B');
  aConnector = (await tenantOf(db, a).tables.connectors.insert({ name: 'GA', provider: 'google-analytics' })).id;
});
afterAll(async () => {
  await t?.dispose();
});

const day = (date: string, sessions: number, extra: Partial<AnalyticsSnapshotInput> = {}): AnalyticsSnapshotInput => ({
  date,
  sessions,
  users: Math.round(sessions * 0.7),
  conversions: Math.round(sessions * 0.02),
  revenue: '1520.50',
  sourceBreakdown: { organic: sessions },
  ...extra,
});

const stored = (tenantId: string) =>
  withSystemContext(
    db,
    (tx) =>
      tx
        .select()
        .from(analyticsSnapshots)
        .where(eq(analyticsSnapshots.tenantId, tenantId))
        .orderBy(analyticsSnapshots.date),
    { reason: 'test: read analytics snapshots' },
  );

describe('recordAnalyticsSnapshots', () => {
  it('records one snapshot per day from a connector, and a day recorded again replaces its snapshot', async () => {
    const tenant = tenantOf(db, a);
    const rows = await recordAnalyticsSnapshots(tenant, [
      day('2025-06-01', 800, { connectorId: aConnector, metadata: { sampled: false } }),
      day('2025-06-02', 900),
    ]);
    expect(rows.map((r) => [r.tenantId, r.date, r.sessions, r.revenue, r.connectorId])).toEqual([
      [a.tenantId, '2025-06-01', 800, '1520.50', aConnector],
      [a.tenantId, '2025-06-02', 900, '1520.50', null],
    ]);
    await recordAnalyticsSnapshots(tenant, [day('2025-06-01', 850, { revenue: '0.10' })]);
    expect(
      (await stored(a.tenantId)).map((r) => [r.date, r.sessions, r.revenue, r.sourceBreakdown, r.connectorId]),
    ).toEqual([
      ['2025-06-01', 850, '0.10', { organic: 850 }, null],
      ['2025-06-02', 900, '1520.50', { organic: 900 }, null],
    ]);
  });

  it('refuses bad input before any SQL: the caller’s transaction stays usable', async () => {
    const bad: [string, unknown][] = [
      ['float revenue', day('2025-06-03', 1, { revenue: 10.5 as never })],
      ['3 decimals', day('2025-06-03', 1, { revenue: '10.505' })],
      ['not a day', day('2025-13-01', 1)],
      ['negative', day('2025-06-03', -5)],
      ['bad connector id', day('2025-06-03', 1, { connectorId: 'ga' })],
      ['bad breakdown', day('2025-06-03', 1, { sourceBreakdown: { organic: Number.NaN } })],
    ];
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, input] of bad) {
        expect(await codeOf(recordAnalyticsSnapshots(scope, [input as AnalyticsSnapshotInput])), label).toBe(
          'INVALID_INPUT',
        );
      }
      expect(await codeOf(recordAnalyticsSnapshots(scope, [day('2025-06-03', 1), day('2025-06-03', 2)]))).toBe(
        'INVALID_INPUT',
      );
      await tx.select().from(analyticsSnapshots);
    });
    expect((await stored(a.tenantId)).map((r) => r.date)).not.toContain('2025-06-03');
    expect(await codeOf(recordAnalyticsSnapshots(systemOf(db) as never, [day('2025-06-03', 1)]))).toBe(
      'TENANT_CONTEXT_MISSING',
    );
  });

  it("joins the caller's transaction: rolled back with it", async () => {
    const before = await stored(a.tenantId);
    const failed = withTenantContext(db, a, async (tx, scope) => {
      await recordAnalyticsSnapshots(scope, [day('2025-06-01', 1), day('2025-06-20', 1)]);
      expect(await tx.select().from(analyticsSnapshots).where(eq(analyticsSnapshots.sessions, 1))).toHaveLength(2);
      throw new Error('caller fails after recording');
    });
    await expect(failed).rejects.toThrow('caller fails after recording');
    expect(await stored(a.tenantId)).toEqual(before);
  });

  it("tenant B can neither replace A's day nor attribute a snapshot to A's connector", async () => {
    const before = await stored(a.tenantId);
    expect(
      await codeOf(recordAnalyticsSnapshots(tenantOf(db, b), [day('2025-06-05', 5, { connectorId: aConnector })])),
    ).toBe('CROSS_TENANT_REFERENCE');
    const [row] = await recordAnalyticsSnapshots(tenantOf(db, b), [day('2025-06-01', 5)]);
    expect(row?.tenantId).toBe(b.tenantId);
    expect(await stored(a.tenantId)).toEqual(before);
    expect((await tenantOf(db, b).tables.analyticsSnapshots.findMany()).map((r) => r.sessions)).toEqual([5]);
  });
});
