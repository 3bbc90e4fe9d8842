/**
 * costSummary: seed 004's getCostSummary, per day/week/month of the tenant's time zone, by
 * service/provider/model, exact; typed errors; one tenant's summary never includes another's
 * events (shown failing when the tenant policy is removed).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { costSummary, recordCosts } from '../../src/billing/index.ts';
import { setTenantTimeZone, type TenantContext } from '../../src/index.ts';
import { createTestDatabase, isCitus, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

const from = new Date('2026-01-01T00:00:00Z');
const to = new Date('2026-04-01T00:00:00Z');

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Summary A');
  b = await ownerContext(db, 'Summary B');
  // A works in Berlin (UTC+1 in winter, UTC+2 from 29 March 2026).
  await setTenantTimeZone(systemOf(db), a.tenantId, 'Europe/Berlin');
  await recordCosts(tenantOf(db, a), [
    // 23:30 UTC on 31 January is 00:30 on 1 February in Berlin: February.
    {
      service: 'llm',
      provider: 'anthropic',
      costUsd: '1.000000',
      tokensUsed: 100,
      occurredAt: new Date('2026-01-31T23:30:00Z'),
      metadata: { model: 'claude' },
    },
    {
      service: 'llm',
      provider: 'openai',
      costUsd: '0.500000',
      tokensUsed: 50,
      occurredAt: new Date('2026-01-31T22:30:00Z'),
      metadata: { model: 'gpt' },
    },
    // Sunday 22:30 UTC is Sunday 23:30 in Berlin: still the week of Monday 2 February.
    { service: 'voice_tts', provider: 'elevenlabs', costUsd: '0.250000', occurredAt: new Date('2026-02-08T22:30:00Z') },
    // 23:30 UTC on Sunday 8 February is Monday 9 February, 00:30, in Berlin: the next week.
    { service: 'voice_tts', provider: 'elevenlabs', costUsd: '0.125000', occurredAt: new Date('2026-02-08T23:30:00Z') },
    // After the switch to summer time: 22:30 UTC on 31 March is 00:30 on 1 April in Berlin.
    { service: 'vision', costUsd: '9.000000', occurredAt: new Date('2026-03-31T22:30:00Z') },
    // Many micro-dollars.
    ...Array.from({ length: 300 }, () => ({
      service: 'embedding' as const,
      costUsd: '0.000001',
      occurredAt: new Date('2026-03-15T12:00:00Z'),
    })),
  ]);
  await recordCosts(tenantOf(db, b), [
    { service: 'llm', costUsd: '100.000000', occurredAt: new Date('2026-02-01T12:00:00Z') },
  ]);
});
afterAll(async () => {
  await t?.dispose();
});

const iso = (d: Date) => d.toISOString();

describe('costSummary', () => {
  it('groups by month of the tenant time zone, exact to the micro-dollar', async () => {
    // To midnight of 1 April in Berlin (22:00 UTC, summer time).
    const s = await costSummary(tenantOf(db, a), { from, to: new Date('2026-03-31T22:00:00Z'), groupBy: 'month' });
    expect(s.timeZone).toBe('Europe/Berlin');
    expect(s.rows.map((r) => [iso(r.periodStart), r.totalCostUsd, r.events, r.tokens])).toEqual([
      ['2025-12-31T23:00:00.000Z', '0.500000', 1, 50],
      ['2026-01-31T23:00:00.000Z', '1.375000', 3, 100],
      ['2026-02-28T23:00:00.000Z', '0.000300', 300, 0],
    ]);
    expect(s.totalCostUsd).toBe('1.875300');
    // The range is in instants; the vision event (00:30 on 1 April in Berlin) is April's.
    const withVision = await costSummary(tenantOf(db, a), {
      from,
      to: new Date('2026-04-02T00:00:00Z'),
      groupBy: 'month',
    });
    expect(withVision.rows.at(-1)?.periodStart.toISOString()).toBe('2026-03-31T22:00:00.000Z');
  });

  it('groups by day and by week (from Monday) at the local boundaries', async () => {
    const days = await costSummary(tenantOf(db, a), { from, to: new Date('2026-02-10T00:00:00Z'), groupBy: 'day' });
    expect(days.rows.map((r) => [iso(r.periodStart), r.totalCostUsd])).toEqual([
      ['2026-01-30T23:00:00.000Z', '0.500000'],
      ['2026-01-31T23:00:00.000Z', '1.000000'],
      ['2026-02-07T23:00:00.000Z', '0.250000'],
      ['2026-02-08T23:00:00.000Z', '0.125000'],
    ]);
    const weeks = await costSummary(tenantOf(db, a), { from, to: new Date('2026-02-10T00:00:00Z'), groupBy: 'week' });
    expect(weeks.rows.map((r) => [iso(r.periodStart), r.totalCostUsd])).toEqual([
      ['2026-01-25T23:00:00.000Z', '1.500000'],
      ['2026-02-01T23:00:00.000Z', '0.250000'],
      ['2026-02-08T23:00:00.000Z', '0.125000'],
    ]);
  });

  it('splits by service, provider or model', async () => {
    const range = { from, to: new Date('2026-02-10T00:00:00Z'), groupBy: 'month' as const };
    const byService = await costSummary(tenantOf(db, a), { ...range, by: 'service' });
    expect(byService.rows.map((r) => [iso(r.periodStart), r.key, r.totalCostUsd])).toEqual([
      ['2025-12-31T23:00:00.000Z', 'llm', '0.500000'],
      ['2026-01-31T23:00:00.000Z', 'llm', '1.000000'],
      ['2026-01-31T23:00:00.000Z', 'voice_tts', '0.375000'],
    ]);
    const byProvider = await costSummary(tenantOf(db, a), { ...range, by: 'provider' });
    expect(byProvider.rows.map((r) => [r.key, r.totalCostUsd])).toEqual([
      ['openai', '0.500000'],
      ['anthropic', '1.000000'],
      ['elevenlabs', '0.375000'],
    ]);
    const byModel = await costSummary(tenantOf(db, a), { ...range, by: 'model' });
    expect(byModel.rows.map((r) => [r.key, r.totalCostUsd])).toEqual([
      ['gpt', '0.500000'],
      ['claude', '1.000000'],
      [null, '0.375000'],
    ]);
  });

  it('refuses bad input with INVALID_INPUT before any SQL', async () => {
    const scope = tenantOf(db, a);
    const bad: unknown[] = [
      null,
      { from, to },
      { from, to, groupBy: 'year' },
      { from: 'yesterday', to, groupBy: 'day' },
      { from, to: new Date('x'), groupBy: 'day' },
      { from: to, to: from, groupBy: 'day' },
      { from, to, groupBy: 'day', by: 'colour' },
    ];
    for (const input of bad)
      expect(await codeOf(costSummary(scope, input as never)), JSON.stringify(input)).toBe('INVALID_INPUT');
    expect(await codeOf(costSummary(systemOf(db) as never, { from, to, groupBy: 'day' }))).toBe(
      'TENANT_CONTEXT_MISSING',
    );
  });

  it("never includes another tenant's events", async () => {
    const sb = await costSummary(tenantOf(db, b), { from, to, groupBy: 'month' });
    expect(sb.totalCostUsd).toBe('100.000000');
    expect(sb.timeZone).toBe('UTC');
    const sa = await costSummary(tenantOf(db, a), { from, to, groupBy: 'month' });
    expect(sa.totalCostUsd).toBe('10.875300');
  });

  // Skipped on Citus: DDL and reads as tenantdb_app cannot share a transaction there.
  it.skipIf(isCitus)("would include B's events in a predicate-less sum once the tenant policy is removed", async () => {
    const sum = `select coalesce(sum(cost_usd), 0)::text as total from cost_events
                 where occurred_at >= '2026-01-01' and occurred_at < '2026-04-01'`;
    // With the policy: A's own events only, even without a tenant predicate.
    expect((await tenantOf(db, a).query<{ total: string }>(sum))[0]?.total).toBe('10.875300');
    const leaked = await db
      .rawTransaction(async (s) => {
        await s.exec('DROP POLICY cost_events_tenant_isolation ON cost_events');
        await s.exec('SET LOCAL ROLE tenantdb_app');
        await s.query('select tenantdb.open_context($1::uuid, null, true)', [a.tenantId]);
        const rows = await s.query<{ total: string }>(sum);
        throw Object.assign(new Error('rollback'), { rows });
      })
      .catch((e: { rows?: { total: string }[] }) => e.rows);
    expect(leaked?.[0]?.total).toBe('110.875300');
  });
});
