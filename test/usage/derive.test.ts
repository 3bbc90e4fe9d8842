/**
 * snapshotUsage (the system job deriving daily usage from activity) and usage() (a tenant's
 * snapshots and totals): exact numbers computed by hand from activity set up here, idempotence,
 * two runs at once, the tenant's local day, typed errors with nothing written, and isolation —
 * shown failing when RLS and the explicit tenant predicate are removed.
 */
import { randomUUID } from 'node:crypto';
import { and, asc, eq, gte, lte } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import {
  auditLogs,
  conversations,
  costEvents,
  knowledgeChunks,
  knowledgeDocuments,
  messages,
  tenants,
  usageSnapshots,
  users,
} from '../../src/schema/index.ts';
import { recordUsageSnapshots, snapshotUsage, usage, type UsageSnapshot } from '../../src/usage/index.ts';
import { createTestDatabase, isCitus, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
/** A: UTC (no time zone set). B: Europe/Berlin (UTC+1 in March). C: no activity at all. */
let a: TenantContext;
let b: TenantContext;
let c: TenantContext;
let u1: string;
let u2: string;

const D1 = '2025-03-10';
const D2 = '2025-03-11';
const at = (iso: string) => new Date(iso);
const vector = Array.from({ length: 1024 }, () => 0.01);

/** Every snapshot of the database, in a stable order, as the system sees them. */
const allSnapshots = () =>
  withSystemContext(
    db,
    (tx) => tx.select().from(usageSnapshots).orderBy(asc(usageSnapshots.tenantId), asc(usageSnapshots.date)),
    { reason: 'test: read usage snapshots' },
  );

const numbers = (rows: readonly UsageSnapshot[], tenantId: string) =>
  rows
    .filter((r) => r.tenantId === tenantId)
    .map((r) => ({
      date: r.date,
      apiCalls: r.apiCalls,
      tokensUsed: r.tokensUsed,
      messages: r.messages,
      activeUsers: r.activeUsers,
      storageBytes: r.storageBytes,
    }));

// Worked out by hand from the activity below (see each line's comment there).
const EXPECTED_A = [
  { date: D1, apiCalls: 3, tokensUsed: 150, messages: 3, activeUsers: 2, storageBytes: 1417 },
  { date: D2, apiCalls: 1, tokensUsed: 200, messages: 1, activeUsers: 1, storageBytes: 1419 },
];
const EXPECTED_B = [
  { date: D1, apiCalls: 1, tokensUsed: 3, messages: 0, activeUsers: 0, storageBytes: 0 },
  { date: D2, apiCalls: 1, tokensUsed: 7, messages: 0, activeUsers: 0, storageBytes: 50 },
];
const EXPECTED_C = [
  { date: D1, apiCalls: 0, tokensUsed: 0, messages: 0, activeUsers: 0, storageBytes: 0 },
  { date: D2, apiCalls: 0, tokensUsed: 0, messages: 0, activeUsers: 0, storageBytes: 0 },
];

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Usage job A');
  b = await ownerContext(db, 'Usage job B');
  c = await ownerContext(db, 'Usage job C');
  await withSystemContext(
    db,
    async (tx) => {
      await tx
        .update(tenants)
        .set({ settings: { timeZone: 'Europe/Berlin' } })
        .where(eq(tenants.id, b.tenantId));
      const [one, two] = await tx
        .insert(users)
        .values([{ email: `u1-${randomUUID()}@example.test` }, { email: `u2-${randomUUID()}@example.test` }])
        .returning({ id: users.id });
      u1 = one?.id as string;
      u2 = two?.id as string;
      const A = a.tenantId;
      // Stored before the range: 1000 + 400 bytes, counted in every day's storage.
      const [doc] = await tx
        .insert(knowledgeDocuments)
        .values({ tenantId: A, title: 'Old', content: 'x'.repeat(1000), createdAt: at('2025-03-01T08:00:00Z') })
        .returning({ id: knowledgeDocuments.id });
      await tx.insert(knowledgeChunks).values({
        tenantId: A,
        documentId: doc?.id as string,
        position: 0,
        content: 'x'.repeat(400),
        embedding: vector,
        createdAt: at('2025-03-01T08:00:00Z'),
      });
      // D1: u1 starts a conversation (active), u2 is named by the audit trail (active).
      const [conv1, conv2] = await tx
        .insert(conversations)
        .values([
          { tenantId: A, userId: u1, title: 'one', createdAt: at(`${D1}T10:00:00Z`) },
          { tenantId: A, userId: u2, title: 'two', createdAt: at(`${D2}T09:00:00Z`) },
        ])
        .returning({ id: conversations.id });
      await tx.insert(messages).values([
        // D1: 3 messages, 5 + 8 + 4 bytes; m2's tokens are its cost event's, not added again.
        {
          tenantId: A,
          conversationId: conv1?.id as string,
          role: 'user',
          content: 'hello',
          createdAt: at(`${D1}T10:00:00Z`),
        },
        {
          tenantId: A,
          conversationId: conv1?.id as string,
          role: 'assistant',
          content: 'hi there',
          tokensUsed: 50,
          createdAt: at(`${D1}T10:01:00Z`),
        },
        {
          tenantId: A,
          conversationId: conv1?.id as string,
          role: 'user',
          content: 'late',
          createdAt: at(`${D1}T23:30:00Z`),
        },
        // D2: 1 message (2 bytes) by u2.
        {
          tenantId: A,
          conversationId: conv2?.id as string,
          role: 'user',
          content: 'ok',
          createdAt: at(`${D2}T09:05:00Z`),
        },
        // After the range: never counted.
        {
          tenantId: A,
          conversationId: conv2?.id as string,
          role: 'user',
          content: 'future',
          createdAt: at('2025-03-12T09:00:00Z'),
        },
      ]);
      await tx.insert(costEvents).values([
        // D1: 3 calls, 120 + 0 + 30 tokens.
        { tenantId: A, service: 'llm', tokensUsed: 120, costUsd: '0.002400', occurredAt: at(`${D1}T10:01:00Z`) },
        { tenantId: A, service: 'embedding', costUsd: '0.000100', occurredAt: at(`${D1}T12:00:00Z`) },
        { tenantId: A, service: 'llm', tokensUsed: 30, costUsd: '0.000600', occurredAt: at(`${D1}T23:30:00Z`) },
        // D2: 1 call, 200 tokens.
        { tenantId: A, service: 'llm', tokensUsed: 200, costUsd: '0.004000', occurredAt: at(`${D2}T09:05:00Z`) },
        // The day before the range: not counted.
        { tenantId: A, service: 'llm', tokensUsed: 9999, costUsd: '1.000000', occurredAt: at('2025-03-09T12:00:00Z') },
        // Berlin: 22:30 UTC is 23:30 on D1 there; 23:30 UTC is 00:30 on D2 there.
        { tenantId: b.tenantId, service: 'llm', tokensUsed: 3, costUsd: '0.000060', occurredAt: at(`${D1}T22:30:00Z`) },
        { tenantId: b.tenantId, service: 'llm', tokensUsed: 7, costUsd: '0.000140', occurredAt: at(`${D1}T23:30:00Z`) },
      ]);
      await tx.insert(auditLogs).values([
        { tenantId: A, actorUserId: u2, action: 'update', resource: 'widgets', createdAt: at(`${D1}T15:00:00Z`) },
        // No actor (system work): nobody is active.
        { tenantId: A, action: 'update', resource: 'widgets', createdAt: at(`${D2}T15:00:00Z`) },
      ]);
      // B stores 50 bytes at 23:30 UTC on D1: on D2 in Berlin.
      await tx
        .insert(knowledgeDocuments)
        .values({ tenantId: b.tenantId, title: 'Late', content: 'y'.repeat(50), createdAt: at(`${D1}T23:30:00Z`) });
    },
    { reason: 'test: usage activity' },
  );
});
afterAll(async () => {
  await t?.dispose();
});

describe('snapshotUsage', () => {
  it('derives each tenant’s days from its activity: the numbers worked out by hand', async () => {
    const progress: [number, number][] = [];
    const result = await snapshotUsage(systemOf(db), {
      from: D1,
      to: D2,
      onProgress: (done, total) => progress.push([done, total]),
    });
    expect(result).toEqual({ from: D1, to: D2, tenants: 3, days: 2, rows: 6, changed: 6 });
    expect(progress).toEqual([[2, 2]]);
    const rows = await allSnapshots();
    expect(rows).toHaveLength(6);
    expect(numbers(rows, a.tenantId)).toEqual(EXPECTED_A);
    expect(numbers(rows, c.tenantId)).toEqual(EXPECTED_C);
  });

  it('counts a Berlin tenant’s 23:30 UTC event on its next local day', async () => {
    expect(numbers(await allSnapshots(), b.tenantId)).toEqual(EXPECTED_B);
    // The same events in UTC would have been both on D1: the zone is what moved one.
    await withSystemContext(db, (tx) => tx.update(tenants).set({ settings: {} }).where(eq(tenants.id, b.tenantId)), {
      reason: 'test: B in UTC',
    });
    try {
      await snapshotUsage(systemOf(db), { from: D1, to: D2 });
      expect(numbers(await allSnapshots(), b.tenantId).map((r) => [r.date, r.apiCalls, r.storageBytes])).toEqual([
        [D1, 2, 50],
        [D2, 0, 50],
      ]);
    } finally {
      await withSystemContext(
        db,
        (tx) =>
          tx
            .update(tenants)
            .set({ settings: { timeZone: 'Europe/Berlin' } })
            .where(eq(tenants.id, b.tenantId)),
        { reason: 'test: B back in Berlin' },
      );
      await snapshotUsage(systemOf(db), { from: D1, to: D2 });
    }
    expect(numbers(await allSnapshots(), b.tenantId)).toEqual(EXPECTED_B);
  });

  it('a time zone PostgreSQL does not know counts as UTC, and the job still runs for everyone', async () => {
    await withSystemContext(
      db,
      (tx) =>
        tx
          .update(tenants)
          .set({ settings: { timeZone: 'Mars/Olympus_Mons' } })
          .where(eq(tenants.id, c.tenantId)),
      { reason: 'test: C in an unknown zone' },
    );
    try {
      const result = await snapshotUsage(systemOf(db), { from: D1, to: D2 });
      expect(result.changed).toBe(0);
      expect(numbers(await allSnapshots(), a.tenantId)).toEqual(EXPECTED_A);
    } finally {
      await withSystemContext(db, (tx) => tx.update(tenants).set({ settings: {} }).where(eq(tenants.id, c.tenantId)), {
        reason: 'test: C back in UTC',
      });
    }
  });

  it('is idempotent: run again, every row stays as it was (ids, updated_at, metadata), other days untouched', async () => {
    // A day outside the range, and a note on a day inside it, recorded by the tenant.
    await recordUsageSnapshots(tenantOf(db, a), [
      { date: '2025-01-01', apiCalls: 5, tokensUsed: 6, storageBytes: 7, metadata: { source: 'import' } },
    ]);
    await withSystemContext(
      db,
      (tx) =>
        tx
          .update(usageSnapshots)
          .set({ metadata: { note: 'kept' }, apiCalls: 999 })
          .where(and(eq(usageSnapshots.tenantId, a.tenantId), eq(usageSnapshots.date, D1))),
      { reason: 'test: a stale snapshot with a note' },
    );
    const corrected = await snapshotUsage(systemOf(db), { from: D1, to: D2 });
    expect(corrected.changed).toBe(1);
    const once = await allSnapshots();
    expect(numbers(once, a.tenantId)).toEqual([
      { date: '2025-01-01', apiCalls: 5, tokensUsed: 6, messages: 0, activeUsers: 0, storageBytes: 7 },
      ...EXPECTED_A,
    ]);
    expect(once.find((r) => r.tenantId === a.tenantId && r.date === D1)?.metadata).toEqual({ note: 'kept' });
    expect(once.find((r) => r.date === '2025-01-01')?.metadata).toEqual({ source: 'import' });

    const again = await snapshotUsage(systemOf(db), { from: D1, to: D2 });
    expect(again).toEqual({ from: D1, to: D2, tenants: 3, days: 2, rows: 6, changed: 0 });
    expect(await allSnapshots()).toEqual(once);
  });

  it('two runs at once: both succeed, one writes, the other finds nothing to change', async () => {
    await withSystemContext(db, (tx) => tx.delete(usageSnapshots).where(gte(usageSnapshots.date, D1)), {
      reason: 'test: start over',
    });
    const runs = await Promise.all([
      snapshotUsage(systemOf(db), { from: D1, to: D2 }),
      snapshotUsage(systemOf(db), { from: D1, to: D2 }),
    ]);
    expect(runs.map((r) => r.changed).sort((x, y) => x - y)).toEqual([0, 6]);
    const rows = await allSnapshots();
    expect(rows.filter((r) => r.date >= D1)).toHaveLength(6);
    expect(numbers(rows, a.tenantId).slice(1)).toEqual(EXPECTED_A);
    expect(numbers(rows, b.tenantId)).toEqual(EXPECTED_B);
  });

  // On a server this fails without the job's advisory lock; PGlite's one connection serialises anyway.
  it('a second run waits until the first one’s transaction ends (the advisory lock), then changes nothing', async () => {
    let second: Promise<{ changed: number }> | undefined;
    let secondDone = false;
    await withSystemContext(
      db,
      async (tx, system) => {
        // Other days than the second run's: no row lock in common, only the job's advisory lock.
        expect((await snapshotUsage(system, { from: '2025-04-01', to: '2025-04-01' })).changed).toBe(3);
        second = snapshotUsage(systemOf(db), { from: D1, to: D2 }).then((r) => {
          secondDone = true;
          return r;
        });
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(secondDone).toBe(false);
      },
      { reason: 'test: hold the usage lock' },
    );
    expect((await second)?.changed).toBe(0);
    expect((await allSnapshots()).filter((r) => r.date === '2025-04-01')).toHaveLength(3);
  });

  it('covers yesterday and today by default, and long ranges in batches with progress', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const result = await snapshotUsage(systemOf(db));
    // Run near midnight UTC, the day may turn between the job and this line.
    if (result.to === today) expect(result).toMatchObject({ from: yesterday, to: today, days: 2, rows: 6 });
    const progress: number[] = [];
    const year = await snapshotUsage(systemOf(db), {
      from: '2024-03-12',
      to: '2025-03-12',
      onProgress: (done, total) => {
        expect(total).toBe(366);
        progress.push(done);
      },
    });
    expect(year).toMatchObject({ tenants: 3, days: 366, rows: 1098 });
    expect(progress).toEqual([31, 62, 93, 124, 155, 186, 217, 248, 279, 310, 341, 366]);
    // Batches do not change the numbers: storage carries over from one batch to the next.
    expect(numbers(await allSnapshots(), a.tenantId).filter((r) => r.date >= D1 && r.date <= D2)).toEqual(EXPECTED_A);
    const last = (await allSnapshots()).find((r) => r.tenantId === a.tenantId && r.date === '2025-03-12');
    expect([last?.messages, last?.storageBytes]).toEqual([1, 1425]);
  });

  it('refuses bad input with INVALID_INPUT before any SQL, and a tenant scope: nothing written, nothing logged', async () => {
    const before = await allSnapshots();
    const logged = async () =>
      (await db.rawQuery<{ n: number }>('select count(*)::int as n from tenantdb.system_context_log'))[0]?.n;
    const log = await logged();
    const bad: [string, unknown][] = [
      ['from after to', { from: D2, to: D1 }],
      ['not a day', { from: '2025-02-30', to: D2 }],
      ['not a date format', { from: 'March 10', to: D2 }],
      ['to not a day', { to: '2025-13-01' }],
      ['367 days', { from: '2024-03-10', to: '2025-03-11' }],
      ['options not an object', 'yesterday'],
      ['onProgress not a function', { from: D1, to: D2, onProgress: 1 }],
    ];
    for (const [label, input] of bad) {
      expect(await codeOf(snapshotUsage(systemOf(db), input as never)), label).toBe('INVALID_INPUT');
    }
    expect(await codeOf(snapshotUsage(tenantOf(db, a) as never, { from: D1, to: D2 }))).toBe(
      'SYSTEM_CONTEXT_FORBIDDEN',
    );
    expect(await logged()).toBe(log);
    // Inside the caller's system transaction: refused, and the transaction stays usable.
    await withSystemContext(
      db,
      async (tx, system) => {
        expect(await codeOf(snapshotUsage(system, { from: D2, to: D1 }))).toBe('INVALID_INPUT');
        await tx.select().from(usageSnapshots).limit(1);
      },
      { reason: 'test: bad input inside a transaction' },
    );
    expect(await allSnapshots()).toEqual(before);
  });

  it('joins the caller’s system transaction: rolled back with it', async () => {
    const before = await allSnapshots();
    const failed = withSystemContext(
      db,
      async (tx, system) => {
        await tx.delete(usageSnapshots);
        expect((await snapshotUsage(system, { from: '2025-03-20', to: '2025-03-21' })).changed).toBe(6);
        throw new Error('caller fails after the job');
      },
      { reason: 'test: rolled back' },
    );
    await expect(failed).rejects.toThrow('caller fails after the job');
    expect(await allSnapshots()).toEqual(before);
  });
});

describe('usage', () => {
  it('gives the tenant’s snapshots of the range, oldest first, with totals', async () => {
    // The day before D1 was snapshotted by the year-long run above: 1 call of 9999 tokens.
    const report = await usage(tenantOf(db, a), { from: '2025-03-09', to: D2 });
    expect(report.snapshots.map((s) => [s.tenantId, s.date, s.storageBytes])).toEqual([
      [a.tenantId, '2025-03-09', 1400],
      [a.tenantId, D1, 1417],
      [a.tenantId, D2, 1419],
    ]);
    // Sums, except storage (the last day's) and active users (the busiest day's).
    expect(report.totals).toEqual({
      apiCalls: 5,
      messages: 4,
      tokensUsed: 10_349,
      storageBytes: 1419,
      peakActiveUsers: 2,
    });
    expect(await tenantOf(db, a).usage.get({ from: D2, to: D2 })).toMatchObject({
      from: D2,
      to: D2,
      totals: { apiCalls: 1, storageBytes: 1419 },
    });
    expect((await usage(tenantOf(db, c), { from: '2026-01-01', to: '2026-01-31' })).totals).toEqual({
      apiCalls: 0,
      messages: 0,
      tokensUsed: 0,
      storageBytes: 0,
      peakActiveUsers: 0,
    });
  });

  it('refuses bad input (INVALID_INPUT) and a system scope (TENANT_CONTEXT_MISSING)', async () => {
    const scope = tenantOf(db, a);
    for (const range of [
      undefined,
      {},
      { from: D2, to: D1 },
      { from: '2025-02-30', to: D2 },
      { from: D1 },
      { from: '2024-01-01', to: '2025-12-31' },
    ]) {
      expect(await codeOf(usage(scope, range as never)), JSON.stringify(range)).toBe('INVALID_INPUT');
    }
    expect(await codeOf(usage(systemOf(db) as never, { from: D1, to: D2 }))).toBe('TENANT_CONTEXT_MISSING');
  });

  it("never includes another tenant's snapshots of the same days", async () => {
    for (const [ctx, other] of [
      [a, b],
      [b, a],
    ] as const) {
      const report = await usage(tenantOf(db, ctx), { from: D1, to: D2 });
      expect(report.snapshots.map((s) => s.tenantId)).toEqual([ctx.tenantId, ctx.tenantId]);
      expect(report.snapshots.some((s) => s.tenantId === other.tenantId)).toBe(false);
    }
    expect((await usage(tenantOf(db, b), { from: D1, to: D2 })).totals.tokensUsed).toBe(10);
  });

  // The same read without the explicit tenant predicate: what the predicate guards against if RLS goes.
  const unfiltered = (ctx: TenantContext) =>
    withTenantContext(db, ctx, (tx) =>
      tx
        .select({ tenantId: usageSnapshots.tenantId })
        .from(usageSnapshots)
        .where(and(gte(usageSnapshots.date, D1), lte(usageSnapshots.date, D2))),
    );

  // Skipped on Citus: RLS is toggled on the coordinator's table only, not on its shards.
  it.skipIf(isCitus)(
    'each protection holds alone, and B leaks into A once both are removed (RLS disabled, no predicate)',
    async () => {
      // RLS alone: the unfiltered read shows A only A's rows.
      expect(new Set((await unfiltered(a)).map((r) => r.tenantId))).toEqual(new Set([a.tenantId]));
      await t.db.rawTransaction((s) => s.exec('ALTER TABLE usage_snapshots DISABLE ROW LEVEL SECURITY'));
      try {
        // Without RLS the unfiltered read leaks B's (and C's) rows into A's context ...
        const leaked = await unfiltered(a);
        expect(leaked.some((r) => r.tenantId === b.tenantId)).toBe(true);
        // ... while usage() still shows A only A's: its explicit predicate holds alone.
        const report = await usage(tenantOf(db, a), { from: D1, to: D2 });
        expect(report.snapshots.map((s) => s.tenantId)).toEqual([a.tenantId, a.tenantId]);
        expect(report.totals.tokensUsed).toBe(350);
      } finally {
        await t.db.rawTransaction((s) => s.exec('ALTER TABLE usage_snapshots ENABLE ROW LEVEL SECURITY'));
      }
      expect(new Set((await unfiltered(a)).map((r) => r.tenantId))).toEqual(new Set([a.tenantId]));
      const [flags] = await db.rawQuery<{ enabled: boolean; forced: boolean }>(
        `select relrowsecurity as enabled, relforcerowsecurity as forced from pg_class where oid = 'public.usage_snapshots'::regclass`,
      );
      expect(flags).toEqual({ enabled: true, forced: true });
    },
  );
});
