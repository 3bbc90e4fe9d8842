/** recordUsageSnapshots: one usage row per tenant per day, replaced when the day is recorded again. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { usageSnapshots } from '../../src/schema/index.ts';
import { recordUsageSnapshots, type UsageSnapshotInput } from '../../src/usage/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Usage A');
  b = await ownerContext(db, 'Usage B');
});
afterAll(async () => {
  await t?.dispose();
});

const day = (date: string, apiCalls: number, extra: Partial<UsageSnapshotInput> = {}): UsageSnapshotInput => ({
  date,
  apiCalls,
  tokensUsed: apiCalls * 150,
  storageBytes: 40 * 1024 * 1024,
  ...extra,
});

const stored = (tenantId: string) =>
  withSystemContext(
    db,
    (tx) => tx.select().from(usageSnapshots).where(eq(usageSnapshots.tenantId, tenantId)).orderBy(usageSnapshots.date),
    { reason: 'test: read usage snapshots' },
  );

describe('recordUsageSnapshots', () => {
  it('records one snapshot per day, and a day recorded again replaces its snapshot', async () => {
    const tenant = tenantOf(db, a);
    const first = await recordUsageSnapshots(tenant, [
      day('2025-06-01', 1000, { metadata: { widgetSessions: 40 } }),
      day('2025-06-02', 1100),
    ]);
    expect(first.map((r) => [r.tenantId, r.date, r.apiCalls])).toEqual([
      [a.tenantId, '2025-06-01', 1000],
      [a.tenantId, '2025-06-02', 1100],
    ]);
    // Large counts stay exact (bigint columns, safe integers).
    const big = 2 ** 40;
    await recordUsageSnapshots(tenant, [day('2025-06-02', 1250, { tokensUsed: big, metadata: { late: true } })]);
    expect((await stored(a.tenantId)).map((r) => [r.date, r.apiCalls, r.tokensUsed, r.metadata])).toEqual([
      ['2025-06-01', 1000, 150_000, { widgetSessions: 40 }],
      ['2025-06-02', 1250, big, { late: true }],
    ]);
    expect(await recordUsageSnapshots(tenant, [])).toEqual([]);
    // messages and activeUsers are optional (0), and replaced like the rest.
    const [withPeople] = await recordUsageSnapshots(tenant, [day('2025-06-05', 3, { messages: 12, activeUsers: 4 })]);
    expect([withPeople?.messages, withPeople?.activeUsers]).toEqual([12, 4]);
    const [without] = await recordUsageSnapshots(tenant, [day('2025-06-05', 3)]);
    expect([without?.messages, without?.activeUsers]).toEqual([0, 0]);
  });

  it('refuses bad input before any SQL: the caller’s transaction stays usable', async () => {
    const bad: [string, unknown][] = [
      ['not a day', day('2025-02-30', 1)],
      ['not a date format', day('June 1', 1)],
      ['negative', day('2025-06-03', -1)],
      ['fractional', day('2025-06-03', 1.5)],
      ['unsafe integer', day('2025-06-03', 1, { storageBytes: 2 ** 60 })],
      ['negative messages', day('2025-06-03', 1, { messages: -1 })],
      ['fractional active users', day('2025-06-03', 1, { activeUsers: 0.5 })],
    ];
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, input] of bad) {
        expect(await codeOf(recordUsageSnapshots(scope, [input as UsageSnapshotInput])), label).toBe('INVALID_INPUT');
      }
      // The same day twice in one call would make Postgres refuse the upsert: refused first.
      expect(await codeOf(recordUsageSnapshots(scope, [day('2025-06-03', 1), day('2025-06-03', 2)]))).toBe(
        'INVALID_INPUT',
      );
      await tx.select().from(usageSnapshots);
    });
    expect((await stored(a.tenantId)).map((r) => r.date)).not.toContain('2025-06-03');
    expect(await codeOf(recordUsageSnapshots(systemOf(db) as never, [day('2025-06-03', 1)]))).toBe(
      'TENANT_CONTEXT_MISSING',
    );
  });

  it("joins the caller's transaction: rolled back with it, insert and replacement alike", async () => {
    const before = await stored(a.tenantId);
    const failed = withTenantContext(db, a, async (tx, scope) => {
      await recordUsageSnapshots(scope, [day('2025-06-01', 9), day('2025-06-10', 9)]);
      expect(await tx.select().from(usageSnapshots).where(eq(usageSnapshots.apiCalls, 9))).toHaveLength(2);
      throw new Error('caller fails after recording');
    });
    await expect(failed).rejects.toThrow('caller fails after recording');
    expect(await stored(a.tenantId)).toEqual(before);
  });

  it("tenant B's snapshot of the same day is B's own: A's row is neither seen nor replaced", async () => {
    const before = await stored(a.tenantId);
    const [row] = await recordUsageSnapshots(tenantOf(db, b), [day('2025-06-01', 7)]);
    expect(row?.tenantId).toBe(b.tenantId);
    expect(await stored(a.tenantId)).toEqual(before);
    const seenByB = await tenantOf(db, b).tables.usageSnapshots.findMany();
    expect(seenByB.map((r) => [r.tenantId, r.apiCalls])).toEqual([[b.tenantId, 7]]);
  });
});
