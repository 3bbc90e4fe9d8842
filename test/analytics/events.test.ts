/**
 * trackEvents (batch ingestion, one statement, checked before any SQL) and eventCounts (counts
 * per local day, Monday week or month of the tenant's time zone, per type or name), with counts
 * computed by hand from the events below.
 */
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventCounts, MAX_EVENTS_PER_BATCH, trackEvents, type AnalyticsEventInput } from '../../src/analytics/index.ts';
import { withTenantContext, type TenantContext } from '../../src/index.ts';
import { analyticsEvents } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';
import { countingScope, countRows, setTimeZone } from './helpers.ts';

let t: TestDatabase;
let db: TestDb;
/** In America/New_York (UTC−4 in June). */
let a: TenantContext;
/** In UTC (no setting), with the same events as A and one more. */
let b: TenantContext;

const at = (iso: string) => new Date(iso);
/**
 * The events, with the local day each falls on in New York:
 * 1 Sun Jun 1 08:00, 2 Sun Jun 1 23:30, 3 Mon Jun 2 00:30, 4 Sun Jun 8 23:59:59.999,
 * 5 Mon Jun 30 19:00, 6 Mon Jun 30 23:00, 7 Tue Jul 1 00:00, 8 Sat May 31 19:00.
 */
const EVENTS: AnalyticsEventInput[] = [
  { eventType: 'page', eventName: 'pricing_viewed', occurredAt: at('2025-06-01T12:00:00Z') },
  { eventType: 'page', eventName: 'pricing_viewed', occurredAt: at('2025-06-02T03:30:00Z') },
  { eventType: 'conversion', eventName: 'signup_completed', occurredAt: at('2025-06-02T04:30:00Z') },
  { eventType: 'page', eventName: 'docs_viewed', occurredAt: at('2025-06-09T03:59:59.999Z') },
  { eventType: 'page', eventName: 'pricing_viewed', occurredAt: at('2025-06-30T23:00:00Z') },
  { eventType: 'conversion', eventName: 'signup_completed', occurredAt: at('2025-07-01T03:00:00Z') },
  { eventType: 'page', eventName: 'pricing_viewed', occurredAt: at('2025-07-01T04:00:00Z') },
  { eventType: 'page', eventName: 'landing_viewed', occurredAt: at('2025-05-31T23:00:00Z') },
];

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Events A');
  b = await ownerContext(db, 'Events B');
  await setTimeZone(db, a.tenantId, 'America/New_York');
});
afterAll(async () => {
  await t?.dispose();
});

describe('trackEvents', () => {
  it('stores a batch in one statement and returns the count; defaults properties and occurredAt', async () => {
    await withTenantContext(db, a, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      expect(await trackEvents(counted, EVENTS)).toBe(8);
      expect(statements()).toBe(1);
    });
    expect(
      await trackEvents(tenantOf(db, b), [
        ...EVENTS,
        { eventType: 'secret', eventName: 'b_only', properties: { plan: 'b' }, occurredAt: at('2025-06-15T12:00:00Z') },
      ]),
    ).toBe(9);
    const before = Date.now();
    expect(
      await tenantOf(db, a).analytics.trackEvents([
        {
          eventType: 'page',
          eventName: 'now_viewed',
          properties: { nested: { list: [1, 'two', null, true] } },
          source: 'web',
          sourceId: 'evt_1',
        },
      ]),
    ).toBe(1);
    const byName = (name: string) =>
      withTenantContext(db, a, (tx) => tx.select().from(analyticsEvents).where(eq(analyticsEvents.eventName, name)));
    const [row] = await byName('now_viewed');
    expect(row?.properties).toEqual({ nested: { list: [1, 'two', null, true] } });
    expect([row?.source, row?.sourceId]).toEqual(['web', 'evt_1']);
    expect((row?.occurredAt as Date).getTime()).toBeGreaterThan(before - 60_000);
    const [plain] = await byName('docs_viewed');
    expect(plain?.properties).toEqual({});
    expect(plain?.occurredAt).toEqual(at('2025-06-09T03:59:59.999Z'));
    expect(await trackEvents(tenantOf(db, a), [])).toBe(0);
  });

  it('refuses bad events with INVALID_INPUT before any SQL: nothing of the batch is written', async () => {
    const ok: AnalyticsEventInput = { eventType: 'page', eventName: 'ok' };
    const bad: [string, unknown][] = [
      ['no eventType', { eventName: 'x' }],
      ['blank eventType', { eventType: '  ', eventName: 'x' }],
      ['eventName not a string', { eventType: 'page', eventName: 42 }],
      ['eventName too long', { eventType: 'page', eventName: 'x'.repeat(201) }],
      ['eventType too long', { eventType: 'x'.repeat(101), eventName: 'x' }],
      ['properties an array', { ...ok, properties: [1] }],
      ['properties a string', { ...ok, properties: 'x' }],
      ['a Date in properties', { ...ok, properties: { at: new Date() } }],
      ['NaN in properties', { ...ok, properties: { n: Number.NaN } }],
      ['undefined in properties', { ...ok, properties: { n: undefined } }],
      ['a bigint in properties', { ...ok, properties: { n: 1n } }],
      ['a Map as properties', { ...ok, properties: new Map() }],
      ['occurredAt a string', { ...ok, occurredAt: '2025-06-01' }],
      ['occurredAt invalid', { ...ok, occurredAt: new Date('nope') }],
      ['source a number', { ...ok, source: 1 }],
      ['sourceId too long', { ...ok, sourceId: 'x'.repeat(201) }],
      ['NUL in eventName', { eventType: 'page', eventName: 'a\u0000b' }],
      ['null event', null],
    ];
    const before = await countRows(db, 'analytics_events', a.tenantId);
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, event] of bad) {
        // The bad event second: the good one before it is not written either.
        expect(await codeOf(trackEvents(scope, [ok, event as AnalyticsEventInput])), label).toBe('INVALID_INPUT');
      }
      expect(await codeOf(trackEvents(scope, 'x' as never))).toBe('INVALID_INPUT');
      const tooMany = Array.from({ length: MAX_EVENTS_PER_BATCH + 1 }, () => ok);
      await expect(trackEvents(scope, tooMany)).rejects.toThrow(/more than 1000 in one call: send them in batches/);
      await expect(trackEvents(scope, [ok, { eventType: 'page', eventName: '' }])).rejects.toThrow(
        /^trackEvents: events\[1\]\.eventName must be a non-empty string/,
      );
      // The caller's transaction is still usable: no statement failed in it.
      await tx.select().from(analyticsEvents).limit(1);
    });
    expect(await countRows(db, 'analytics_events', a.tenantId)).toBe(before);
    expect(await codeOf(trackEvents(systemOf(db) as never, [ok]))).toBe('TENANT_CONTEXT_MISSING');
  });

  it('takes a full batch of 1,000 in one statement', async () => {
    const before = await countRows(db, 'analytics_events', b.tenantId);
    const batch = Array.from({ length: MAX_EVENTS_PER_BATCH }, (_, i) => ({
      eventType: 'bulk',
      eventName: `e${i % 10}`,
      properties: { i },
      occurredAt: at('2024-01-01T00:00:00Z'),
    }));
    await withTenantContext(db, b, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      expect(await trackEvents(counted, batch)).toBe(1000);
      expect(statements()).toBe(1);
    });
    expect(await countRows(db, 'analytics_events', b.tenantId)).toBe(before + 1000);
  });
});

describe('eventCounts', () => {
  it("counts per local day of the tenant's time zone, every day of the range, 0 when empty", async () => {
    const range = { from: '2025-06-01', to: '2025-06-03' } as const;
    // New York: events 1 and 2 on Jun 1, 3 on Jun 2.
    expect(await eventCounts(tenantOf(db, a), range)).toEqual([
      { period: '2025-06-01', key: null, count: 2 },
      { period: '2025-06-02', key: null, count: 1 },
      { period: '2025-06-03', key: null, count: 0 },
    ]);
    // UTC: event 1 on Jun 1; 2 and 3 on Jun 2.
    expect(await eventCounts(tenantOf(db, b), range)).toEqual([
      { period: '2025-06-01', key: null, count: 1 },
      { period: '2025-06-02', key: null, count: 2 },
      { period: '2025-06-03', key: null, count: 0 },
    ]);
  });

  it('weeks start on Monday and are whole; months are calendar months of the local time', async () => {
    // New York weeks: May 26 (events 8, 1, 2), Jun 2 (3, 4: Sunday Jun 8 23:59:59.999 local), Jun 30 (5, 6, 7).
    expect(
      (await eventCounts(tenantOf(db, a), { from: '2025-06-01', to: '2025-06-30', groupBy: 'week' })).map((r) => [
        r.period,
        r.count,
      ]),
    ).toEqual([
      ['2025-05-26', 3],
      ['2025-06-02', 2],
      ['2025-06-09', 0],
      ['2025-06-16', 0],
      ['2025-06-23', 0],
      ['2025-06-30', 3],
    ]);
    // June in New York: events 1–6; in UTC: 1–5 (event 6 is Jul 1 03:00 UTC), and B's own one.
    const june = { from: '2025-06-10', to: '2025-06-10', groupBy: 'month' } as const;
    expect(await eventCounts(tenantOf(db, a), june)).toEqual([{ period: '2025-06-01', key: null, count: 6 }]);
    expect(await eventCounts(tenantOf(db, b), june)).toEqual([{ period: '2025-06-01', key: null, count: 6 }]);
    expect(
      await eventCounts(tenantOf(db, b), { from: '2025-06-01', to: '2025-06-30', groupBy: 'month', by: 'eventType' }),
    ).toEqual([
      { period: '2025-06-01', key: 'conversion', count: 1 },
      { period: '2025-06-01', key: 'page', count: 4 },
      { period: '2025-06-01', key: 'secret', count: 1 },
    ]);
  });

  it('counts per event name or type, only the groups that have events, in one statement', async () => {
    await withTenantContext(db, a, async (_tx, scope) => {
      const { scope: counted, statements } = countingScope(scope);
      expect(
        await eventCounts(counted, { from: '2025-06-01', to: '2025-06-30', groupBy: 'month', by: 'eventName' }),
      ).toEqual([
        { period: '2025-06-01', key: 'docs_viewed', count: 1 },
        { period: '2025-06-01', key: 'pricing_viewed', count: 3 },
        { period: '2025-06-01', key: 'signup_completed', count: 2 },
      ]);
      expect(statements()).toBe(1);
    });
    expect(
      await tenantOf(db, a).analytics.eventCounts({ from: '2025-06-01', to: '2025-06-02', by: 'eventType' }),
    ).toEqual([
      { period: '2025-06-01', key: 'page', count: 2 },
      { period: '2025-06-02', key: 'conversion', count: 1 },
    ]);
  });

  it('follows the time zone setting, and a zone the database does not know is CONFIG_INVALID', async () => {
    const c = await ownerContext(db, 'Events C');
    await trackEvents(tenantOf(db, c), [{ eventType: 'page', eventName: 'x', occurredAt: at('2025-06-01T23:30:00Z') }]);
    const day = { from: '2025-06-01', to: '2025-06-02' } as const;
    const counts = async () => (await eventCounts(tenantOf(db, c), day)).map((r) => r.count);
    expect(await counts()).toEqual([1, 0]);
    await setTimeZone(db, c.tenantId, 'Asia/Tokyo'); // UTC+9: Jun 2 08:30
    expect(await counts()).toEqual([0, 1]);
    await setTimeZone(db, c.tenantId, 'Mars/Olympus_Mons');
    expect(await codeOf(eventCounts(tenantOf(db, c), day))).toBe('CONFIG_INVALID');
    await setTimeZone(db, c.tenantId, ''); // empty is unset: UTC
    expect(await counts()).toEqual([1, 0]);
    await setTimeZone(db, c.tenantId, 'Asia/Tokyo');
    await setTimeZone(db, c.tenantId, null);
    expect(await counts()).toEqual([1, 0]);
  });

  it('refuses a bad range, groupBy or by with INVALID_INPUT', async () => {
    const scope = tenantOf(db, a);
    const bad: unknown[] = [
      {},
      { from: '2025-06-01' },
      { from: '2025-06-31', to: '2025-07-01' },
      { from: '2025-06-02', to: '2025-06-01' },
      { from: '2025-06-01', to: '2025-06-02', groupBy: 'year' },
      { from: '2025-06-01', to: '2025-06-02', by: 'source' },
      { from: '2000-01-01', to: '2025-01-01' },
      { from: new Date(), to: '2025-06-01' },
      null,
    ];
    for (const input of bad)
      expect(await codeOf(eventCounts(scope, input as never)), JSON.stringify(input)).toBe('INVALID_INPUT');
    await expect(eventCounts(scope, { from: '2000-01-01', to: '2025-01-01' })).rejects.toThrow(
      /more than 1000: group by a longer period/,
    );
    // 25 years of months is fine.
    expect(await eventCounts(scope, { from: '2000-01-01', to: '2025-01-01', groupBy: 'month' })).toHaveLength(301);
  });
});
