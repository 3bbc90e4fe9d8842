/**
 * rollupCosts: the system job that writes cost_summaries per tenant and day/week/month of its time
 * zone. Idempotent (the unique period key; a rerun writes nothing), incremental (only the periods
 * whose running total changed), correct for late and deleted events, safe to run concurrently,
 * and equal to a full rebuild from the events.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rebuildCostTotals, recordCosts, rollupCosts, type CostEventInput } from '../../src/billing/index.ts';
import { setTenantTimeZone, withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { costEvents, costSummaries } from '../../src/schema/index.ts';
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

const system = () => systemOf(db, 'test: rollup');

const summariesOf = async (tenantId: string, period: 'daily' | 'weekly' | 'monthly') =>
  (
    await withSystemContext(
      db,
      (tx) =>
        tx.select().from(costSummaries).where(eq(costSummaries.tenantId, tenantId)).orderBy(costSummaries.periodStart),
      { reason: 'test: read cost summaries' },
    )
  ).filter((s) => s.period === period);

const brief = (rows: Awaited<ReturnType<typeof summariesOf>>) =>
  rows.map((s) => [s.periodStart.toISOString(), s.periodEnd.toISOString(), s.totalCostUsd, s.eventCount, s.breakdown]);

/** Monday 00:00 UTC and Sunday 23:59:59 UTC are one week; Monday 00:00 starts the next. */
const twoWeeks: CostEventInput[] = [
  { service: 'llm', costUsd: '0.100000', occurredAt: new Date('2025-06-02T00:00:00Z') },
  { service: 'llm', costUsd: '0.200000', occurredAt: new Date('2025-06-05T12:00:00Z') },
  { service: 'embedding', costUsd: '0.000001', occurredAt: new Date('2025-06-08T23:59:59Z') },
  { service: 'vision', costUsd: '1.250000', occurredAt: new Date('2025-06-09T00:00:00Z') },
];

describe('rollupCosts', () => {
  let a: TenantContext;
  beforeAll(async () => {
    a = await ownerContext(db, 'Rollup A');
    await recordCosts(tenantOf(db, a), twoWeeks);
  });

  it('writes one summary per tenant and week, exact, with the per-service breakdown and the event count', async () => {
    const [result] = await rollupCosts(system(), { period: 'week' });
    expect(result?.mode).toBe('incremental');
    expect(result?.summaries).toBeGreaterThanOrEqual(2);
    expect(brief(await summariesOf(a.tenantId, 'weekly'))).toEqual([
      [
        '2025-06-02T00:00:00.000Z',
        '2025-06-09T00:00:00.000Z',
        '0.300001',
        3,
        { llm: '0.300000', embedding: '0.000001' },
      ],
      ['2025-06-09T00:00:00.000Z', '2025-06-16T00:00:00.000Z', '1.250000', 1, { vision: '1.250000' }],
    ]);
  });

  it('is idempotent: a rerun with nothing new writes nothing and changes no row', async () => {
    await rollupCosts(system());
    const before = await summariesOf(a.tenantId, 'weekly');
    const again = await rollupCosts(system());
    expect(again.map((r) => [r.period, r.summaries])).toEqual([
      ['day', 0],
      ['week', 0],
      ['month', 0],
    ]);
    expect(await summariesOf(a.tenantId, 'weekly')).toEqual(before);
  });

  it('recomputes only the periods touched: a late event and a deleted one', async () => {
    await rollupCosts(system());
    // Recorded today, for a week already rolled up.
    const [late] = await recordCosts(tenantOf(db, a), [
      { service: 'llm', costUsd: '0.000009', occurredAt: new Date('2025-06-03T08:00:00Z') },
    ]);
    const [week] = await rollupCosts(system(), { period: 'week' });
    expect(week?.summaries).toBe(1);
    expect(brief(await summariesOf(a.tenantId, 'weekly'))[0]).toEqual([
      '2025-06-02T00:00:00.000Z',
      '2025-06-09T00:00:00.000Z',
      '0.300010',
      4,
      { llm: '0.300009', embedding: '0.000001' },
    ]);
    await withTenantContext(db, a, (tx) => tx.delete(costEvents).where(eq(costEvents.id, late?.id as string)));
    expect((await rollupCosts(system(), { period: 'week' }))[0]?.summaries).toBe(1);
    expect(brief(await summariesOf(a.tenantId, 'weekly'))[0]?.[2]).toBe('0.300001');
  });

  it('gives the same summaries as a full rebuild from the events, and the rebuild is idempotent too', async () => {
    await rollupCosts(system());
    const incremental = await Promise.all(
      (['daily', 'weekly', 'monthly'] as const).map((p) => summariesOf(a.tenantId, p).then(brief)),
    );
    const full = await rollupCosts(system(), { since: new Date('2025-01-01T00:00:00Z') });
    expect(full.every((r) => r.mode === 'full' && r.summaries > 0)).toBe(true);
    const rebuilt = await Promise.all(
      (['daily', 'weekly', 'monthly'] as const).map((p) => summariesOf(a.tenantId, p).then(brief)),
    );
    expect(rebuilt).toEqual(incremental);
    expect(incremental[2]).toEqual([
      [
        '2025-06-01T00:00:00.000Z',
        '2025-07-01T00:00:00.000Z',
        '1.550001',
        4,
        { llm: '0.300000', vision: '1.250000', embedding: '0.000001' },
      ],
    ]);
    // After a rebuild nothing is due.
    expect((await rollupCosts(system())).map((r) => r.summaries)).toEqual([0, 0, 0]);
  });

  it('sums many micro-dollars exactly', async () => {
    const c = await ownerContext(db, 'Rollup micro');
    const at = new Date('2025-07-15T10:00:00Z');
    await recordCosts(
      tenantOf(db, c),
      Array.from({ length: 1000 }, () => ({ service: 'embedding' as const, costUsd: '0.000001', occurredAt: at })),
    );
    await rollupCosts(system(), { period: 'month' });
    expect(brief(await summariesOf(c.tenantId, 'monthly'))).toEqual([
      ['2025-07-01T00:00:00.000Z', '2025-08-01T00:00:00.000Z', '0.001000', 1000, { embedding: '0.001000' }],
    ]);
  });

  it('is safe to run concurrently with itself and with recorders: the end state is exact', async () => {
    const c = await ownerContext(db, 'Rollup concurrent');
    const at = new Date('2025-08-04T10:00:00Z');
    await Promise.all([
      ...Array.from({ length: 16 }, (_, i) =>
        recordCosts(tenantOf(db, c), [{ service: 'llm', costUsd: `0.0000${String(i + 10)}`, occurredAt: at }]),
      ),
      rollupCosts(system(), { period: 'day' }),
      rollupCosts(system(), { period: 'day' }),
      rollupCosts(system(), { period: 'day' }),
    ]);
    await rollupCosts(system(), { period: 'day' });
    // 10 + 11 + … + 25 micro-dollars = 280
    expect(brief(await summariesOf(c.tenantId, 'daily'))).toEqual([
      ['2025-08-04T00:00:00.000Z', '2025-08-05T00:00:00.000Z', '0.000280', 16, { llm: '0.000280' }],
    ]);
  });

  it("rolls up each tenant's days in its own time zone", async () => {
    const tokyo = await ownerContext(db, 'Rollup Tokyo');
    await setTenantTimeZone(system(), tokyo.tenantId, 'Asia/Tokyo');
    // 16:00 UTC on 1 September is 01:00 on 2 September in Tokyo (UTC+9).
    await recordCosts(tenantOf(db, tokyo), [
      { service: 'llm', costUsd: '0.500000', occurredAt: new Date('2025-09-01T14:59:59Z') },
      { service: 'llm', costUsd: '0.250000', occurredAt: new Date('2025-09-01T16:00:00Z') },
    ]);
    await rollupCosts(system(), { period: 'day' });
    expect(brief(await summariesOf(tokyo.tenantId, 'daily'))).toEqual([
      ['2025-08-31T15:00:00.000Z', '2025-09-01T15:00:00.000Z', '0.500000', 1, { llm: '0.500000' }],
      ['2025-09-01T15:00:00.000Z', '2025-09-02T15:00:00.000Z', '0.250000', 1, { llm: '0.250000' }],
    ]);
  });

  it("never mixes tenants: B's events are only in B's summaries", async () => {
    const b = await ownerContext(db, 'Rollup B');
    await recordCosts(tenantOf(db, b), [
      { service: 'llm', costUsd: '7.000000', occurredAt: new Date('2025-06-04T00:00:00Z') },
    ]);
    await rollupCosts(system(), { period: 'week' });
    expect(brief(await summariesOf(b.tenantId, 'weekly')).map((s) => s[2])).toEqual(['7.000000']);
    expect(brief(await summariesOf(a.tenantId, 'weekly')).map((s) => s[2])).toEqual(['0.300001', '1.250000']);
    // And a tenant reads only its own summaries.
    const seen = await tenantOf(db, a).query<{ tenant_id: string }>('select distinct tenant_id from cost_summaries');
    expect(seen.map((r) => r.tenant_id)).toEqual([a.tenantId]);
  });

  it('rebuildCostTotals recomputes running totals that drifted from the events (a load with triggers off)', async () => {
    const c = await ownerContext(db, 'Rollup rebuild');
    const conversation = (await tenantOf(db, c).tables.conversations.insert({ title: 'Rebuild' })).id;
    await recordCosts(tenantOf(db, c), [
      {
        service: 'llm',
        costUsd: '0.400000',
        occurredAt: new Date('2025-10-06T10:00:00Z'),
        conversationId: conversation,
      },
      { service: 'vision', costUsd: '0.000100', occurredAt: new Date('2025-10-07T10:00:00Z') },
    ]);
    const totals = () =>
      db.rawQuery<{ period: string; spend: string; n: number }>(
        `select period::text, spend::text, event_count as n from cost_period_totals where tenant_id = $1 order by 1, 2`,
        [c.tenantId],
      );
    const before = await totals();
    // What a load with triggers off leaves: totals that do not match the events.
    await db.rawQuery(`update cost_period_totals set spend = 0, event_count = 0 where tenant_id = $1`, [c.tenantId]);
    await db.rawQuery(`update conversations set total_cost_usd = 0 where tenant_id = $1`, [c.tenantId]);
    expect((await totals()).map((r) => r.spend)).toEqual(['0.000000', '0.000000', '0.000000', '0.000000']);
    expect(await rebuildCostTotals(system())).toBeGreaterThanOrEqual(3);
    expect(await totals()).toEqual(before);
    expect(before.map((r) => [r.period, r.spend, r.n])).toEqual([
      ['daily', '0.000100', 1],
      ['daily', '0.400000', 1],
      ['monthly', '0.400100', 2],
      ['weekly', '0.400100', 2],
    ]);
    const [total] = await db.rawQuery<{ t: string }>(
      `select total_cost_usd::text as t from conversations where id = $1`,
      [conversation],
    );
    expect(total?.t).toBe('0.400000');
    expect(await codeOf(rebuildCostTotals(tenantOf(db, c) as never))).toBe('SYSTEM_CONTEXT_FORBIDDEN');
  });

  it('refuses bad input and tenant scopes before any work', async () => {
    expect(await codeOf(rollupCosts(system(), { period: 'year' as never }))).toBe('INVALID_INPUT');
    expect(await codeOf(rollupCosts(system(), { since: new Date('nope') }))).toBe('INVALID_INPUT');
    expect(await codeOf(rollupCosts(system(), null as never))).toBe('INVALID_INPUT');
    expect(await codeOf(rollupCosts(tenantOf(db, a) as never))).toBe('SYSTEM_CONTEXT_FORBIDDEN');
  });
});
