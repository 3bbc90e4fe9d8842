/** rollupCosts: weekly cost summaries (UTC weeks from Monday), sums in numeric, safe to repeat. */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCosts, rollupCosts } from '../../src/billing/index.ts';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { costSummaries } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
});
afterAll(async () => {
  await t?.dispose();
});

const storedSummaries = (tenantId: string) =>
  withSystemContext(
    db,
    (tx) =>
      tx.select().from(costSummaries).where(eq(costSummaries.tenantId, tenantId)).orderBy(costSummaries.periodStart),
    { reason: 'test: read cost summaries' },
  );

/** Two weeks of events: Monday 00:00 UTC and Sunday 23:59 UTC are one week; Monday 00:00 starts the next. */
async function recordTwoWeeks(context: TenantContext) {
  await recordCosts(tenantOf(db, context), [
    { service: 'llm', costUsd: '0.100000', occurredAt: new Date('2025-06-02T00:00:00Z') },
    { service: 'llm', costUsd: '0.200000', occurredAt: new Date('2025-06-05T12:00:00Z') },
    { service: 'embedding', costUsd: '0.000001', occurredAt: new Date('2025-06-08T23:59:59Z') },
    { service: 'vision', costUsd: '1.250000', occurredAt: new Date('2025-06-09T00:00:00Z') },
  ]);
}

describe('rollupCosts', () => {
  it('writes one summary per UTC week with exact totals, a per-service breakdown and the event count', async () => {
    const a = await ownerContext(db, 'Rollup A');
    await recordTwoWeeks(a);
    const weeks = await rollupCosts(tenantOf(db, a));
    expect(
      weeks.map((w) => [w.periodStart.toISOString(), w.periodEnd.toISOString(), w.totalCostUsd, w.eventCount]),
    ).toEqual([
      ['2025-06-02T00:00:00.000Z', '2025-06-09T00:00:00.000Z', '0.300001', 3],
      ['2025-06-09T00:00:00.000Z', '2025-06-16T00:00:00.000Z', '1.250000', 1],
    ]);
    expect(weeks[0]?.breakdown).toEqual({ llm: '0.300000', embedding: '0.000001' });
    expect(weeks[1]?.breakdown).toEqual({ vision: '1.250000' });
    expect(weeks.every((w) => w.tenantId === a.tenantId)).toBe(true);
    expect(await storedSummaries(a.tenantId)).toHaveLength(2);
  });

  it('keeps totals exact to the micro-dollar: 1,000 events of 0.000001 sum to 0.001000', async () => {
    const a = await ownerContext(db, 'Rollup micro');
    const at = new Date('2025-06-04T12:00:00Z');
    await recordCosts(
      tenantOf(db, a),
      Array.from({ length: 1000 }, (_, i) => ({
        service: i % 2 === 0 ? ('llm' as const) : ('embedding' as const),
        costUsd: '0.000001',
        occurredAt: at,
      })),
    );
    const [week] = await rollupCosts(tenantOf(db, a));
    expect([week?.totalCostUsd, week?.eventCount, week?.breakdown]).toEqual([
      '0.001000',
      1000,
      { llm: '0.000500', embedding: '0.000500' },
    ]);
    expect((await storedSummaries(a.tenantId)).map((s) => s.totalCostUsd)).toEqual(['0.001000']);
  });

  it('is safe to repeat: a second run replaces the weeks it covers', async () => {
    const a = await ownerContext(db, 'Rollup again');
    await recordTwoWeeks(a);
    await rollupCosts(tenantOf(db, a));
    await recordCosts(tenantOf(db, a), [
      { service: 'llm', costUsd: '0.700000', occurredAt: new Date('2025-06-03T08:00:00Z') },
    ]);
    await rollupCosts(tenantOf(db, a));
    const stored = await storedSummaries(a.tenantId);
    expect(stored.map((s) => [s.totalCostUsd, s.eventCount])).toEqual([
      ['1.000001', 4],
      ['1.250000', 1],
    ]);
    expect(stored[0]?.breakdown).toEqual({ llm: '1.000000', embedding: '0.000001' });
    // Nothing to roll up: nothing written.
    const empty = await ownerContext(db, 'Rollup empty');
    expect(await rollupCosts(tenantOf(db, empty))).toEqual([]);
  });

  it('needs a tenant scope', async () => {
    expect(await codeOf(rollupCosts(systemOf(db) as never))).toBe('TENANT_CONTEXT_MISSING');
  });

  it("joins the caller's transaction: rolled back with it", async () => {
    const a = await ownerContext(db, 'Rollup rollback');
    await recordTwoWeeks(a);
    const failed = withTenantContext(db, a, async (tx, scope) => {
      const weeks = await rollupCosts(scope);
      expect(await tx.select().from(costSummaries)).toHaveLength(weeks.length);
      throw new Error('caller fails after the rollup');
    });
    await expect(failed).rejects.toThrow('caller fails after the rollup');
    expect(await storedSummaries(a.tenantId)).toEqual([]);
  });

  it("tenant B's rollup neither counts nor replaces tenant A's", async () => {
    const a = await ownerContext(db, 'Rollup iso A');
    const b = await ownerContext(db, 'Rollup iso B');
    await recordTwoWeeks(a);
    const aWeeks = await rollupCosts(tenantOf(db, a));
    // B has events in the same weeks; its rollup sees only its own.
    await recordCosts(tenantOf(db, b), [
      { service: 'livekit', costUsd: '9.000000', occurredAt: new Date('2025-06-04T00:00:00Z') },
    ]);
    const bWeeks = await rollupCosts(tenantOf(db, b));
    expect(bWeeks.map((w) => [w.totalCostUsd, w.eventCount, w.breakdown])).toEqual([
      ['9.000000', 1, { livekit: '9.000000' }],
    ]);
    // A's summaries of the same week are untouched (B's replace step is limited to B).
    expect(await storedSummaries(a.tenantId)).toEqual(aWeeks);
    expect(await tenantOf(db, b).tables.costSummaries.count()).toBe(1);
  });
});
