/**
 * snapshotTrend: a snapshot metric per day, Monday week or month, with the previous period, the
 * change and the n-period moving average computed in SQL; every number below is computed by hand
 * from the snapshots of tenant A (tenant B's, on the same days, never count).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordAnalyticsSnapshots, snapshotTrend, type AnalyticsSnapshotInput } from '../../src/analytics/index.ts';
import { withTenantContext, type TenantContext } from '../../src/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';
import { countingScope } from './helpers.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

const day = (date: string, sessions: number, revenue: string, conversions: number): AnalyticsSnapshotInput => ({
  date,
  sessions,
  users: sessions / 2,
  conversions,
  revenue,
});

/**
 * Weeks (from Monday): May 12 (May 15), May 26 (Sun Jun 1), Jun 2 (Jun 2, Jun 4), Jun 9 (none),
 * Jun 16 (Jun 16, Sun Jun 22), Jun 23 (Jun 23).
 */
const A_DAYS = [
  day('2025-05-15', 0, '0.00', 7),
  day('2025-06-01', 10, '5.25', 1),
  day('2025-06-02', 100, '100.10', 2),
  day('2025-06-04', 50, '0.05', 3),
  day('2025-06-16', 30, '33.33', 4),
  day('2025-06-22', 46, '66.67', 5),
  day('2025-06-23', 76, '150.00', 6),
];

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Trend A');
  b = await ownerContext(db, 'Trend B');
  await recordAnalyticsSnapshots(tenantOf(db, a), A_DAYS);
  await recordAnalyticsSnapshots(
    tenantOf(db, b),
    A_DAYS.map((d) => ({ ...d, sessions: 1_000_000, revenue: '99999.99', conversions: 1000 })),
  );
});
afterAll(async () => {
  await t?.dispose();
});

describe('snapshotTrend', () => {
  it('weekly revenue: exact decimal strings, previous, change, percent and a 3-week moving average', async () => {
    // Series with the 2 weeks before: May 19 0, May 26 5.25, Jun 2 100.15, Jun 9 0, Jun 16 100.00, Jun 23 150.00.
    expect(
      await snapshotTrend(tenantOf(db, a), {
        from: '2025-06-02',
        to: '2025-06-29',
        metric: 'revenue',
        groupBy: 'week',
        movingAverage: 3,
      }),
    ).toEqual([
      // 94.90 / 5.25 = 18.07619…; (0 + 5.25 + 100.15) / 3 = 35.1333…
      {
        period: '2025-06-02',
        days: 2,
        value: '100.15',
        previous: '5.25',
        change: '94.90',
        changePercent: 1807.62,
        movingAverage: '35.13',
      },
      {
        period: '2025-06-09',
        days: 0,
        value: '0.00',
        previous: '100.15',
        change: '-100.15',
        changePercent: -100,
        movingAverage: '35.13',
      },
      // (100.15 + 0 + 100.00) / 3 = 66.7166…
      {
        period: '2025-06-16',
        days: 2,
        value: '100.00',
        previous: '0.00',
        change: '100.00',
        changePercent: null,
        movingAverage: '66.72',
      },
      {
        period: '2025-06-23',
        days: 1,
        value: '150.00',
        previous: '100.00',
        change: '50.00',
        changePercent: 50,
        movingAverage: '83.33',
      },
    ]);
  });

  it('weekly sessions are numbers; without movingAverage it is null; a mid-week from takes the whole week', async () => {
    const weeks = await snapshotTrend(tenantOf(db, a), {
      from: '2025-06-04',
      to: '2025-06-23',
      metric: 'sessions',
      groupBy: 'week',
    });
    expect(weeks.map((w) => [w.period, w.value, w.previous, w.change, w.changePercent, w.movingAverage])).toEqual([
      ['2025-06-02', 150, 10, 140, 1400, null],
      ['2025-06-09', 0, 150, -150, -100, null],
      ['2025-06-16', 76, 0, 76, null, null],
      ['2025-06-23', 76, 76, 0, 0, null],
    ]);
    const users = await snapshotTrend(tenantOf(db, a), {
      from: '2025-06-16',
      to: '2025-06-16',
      metric: 'users',
      groupBy: 'week',
    });
    expect(users.map((w) => [w.value, w.previous])).toEqual([[38, 0]]);
  });

  it('daily (the default) with a 2-day moving average that reaches back before from', async () => {
    expect(
      (
        await snapshotTrend(tenantOf(db, a), {
          from: '2025-06-01',
          to: '2025-06-04',
          metric: 'sessions',
          movingAverage: 2,
        })
      ).map((d) => [d.period, d.days, d.value, d.previous, d.changePercent, d.movingAverage]),
    ).toEqual([
      ['2025-06-01', 1, 10, 0, null, '5.00'],
      ['2025-06-02', 1, 100, 10, 900, '55.00'],
      ['2025-06-03', 0, 0, 100, -100, '50.00'],
      ['2025-06-04', 1, 50, 0, null, '25.00'],
    ]);
  });

  it('monthly conversions, in one statement', async () => {
    await withTenantContext(db, a, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      // May 7; June 1 + 2 + 3 + 4 + 5 + 6 = 21; July 0.
      expect(
        (
          await snapshotTrend(counted, {
            from: '2025-06-15',
            to: '2025-07-31',
            metric: 'conversions',
            groupBy: 'month',
            movingAverage: 2,
          })
        ).map((m) => [m.period, m.days, m.value, m.previous, m.change, m.changePercent, m.movingAverage]),
      ).toEqual([
        ['2025-06-01', 6, 21, 7, 14, 200, '14.00'],
        ['2025-07-01', 0, 0, 21, -21, -100, '10.50'],
      ]);
      expect(statements()).toBe(1);
    });
    expect(
      (
        await tenantOf(db, a).analytics.snapshotTrend({
          from: '2025-05-01',
          to: '2025-05-31',
          metric: 'revenue',
          groupBy: 'month',
        })
      )[0]?.value,
    ).toBe('0.00');
  });

  it('refuses bad input with INVALID_INPUT, and a system scope', async () => {
    const scope = tenantOf(db, a);
    const base = { from: '2025-06-01', to: '2025-06-30', metric: 'sessions' } as const;
    const bad: unknown[] = [
      { ...base, metric: 'bounces' },
      { ...base, metric: 'toString' },
      { ...base, groupBy: 'quarter' },
      { ...base, movingAverage: 1 },
      { ...base, movingAverage: 101 },
      { ...base, movingAverage: 2.5 },
      { ...base, from: '2025-06-31' },
      { ...base, to: '2025-05-01' },
      { ...base, from: '2020-01-01', to: '2025-01-01' },
      null,
    ];
    for (const input of bad) {
      expect(await codeOf(snapshotTrend(scope, input as never)), JSON.stringify(input)).toBe('INVALID_INPUT');
    }
    expect(await codeOf(snapshotTrend(systemOf(db) as never, base))).toBe('TENANT_CONTEXT_MISSING');
  });
});
