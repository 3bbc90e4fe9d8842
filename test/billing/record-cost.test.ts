/** recordCosts: cost events for the scope's tenant, exact money, checked before any SQL. */
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordCost, recordCosts, type CostEventInput } from '../../src/billing/index.ts';
import { withSystemContext, withTenantContext, type TenantContext } from '../../src/index.ts';
import { costEvents } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { codeOf, ownerContext, systemOf, tenantOf } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Costs A');
  b = await ownerContext(db, 'Costs B');
});
afterAll(async () => {
  await t?.dispose();
});

/** Every cost event of a tenant, read in the system context (not through the function under test). */
const storedEvents = (tenantId: string) =>
  withSystemContext(db, (tx) => tx.select().from(costEvents).where(eq(costEvents.tenantId, tenantId)), {
    reason: 'test: read cost events',
  });

const llm = (costUsd: string, extra: Partial<CostEventInput> = {}): CostEventInput => ({
  service: 'llm',
  provider: 'anthropic',
  costUsd,
  tokensUsed: 468,
  ...extra,
});

describe('recordCosts', () => {
  it("records the events for the scope's tenant, to the micro-dollar", async () => {
    const tenant = tenantOf(db, a);
    const at = new Date('2025-06-02T10:00:00Z');
    const rows = await recordCosts(tenant, [
      llm('0.100000', { occurredAt: at, metadata: { model: 'claude-sonnet-4' } }),
      llm('0.2'),
      { service: 'embedding', costUsd: '0.000001' },
    ]);
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.tenantId === a.tenantId)).toBe(true);
    expect(rows.map((r) => r.costUsd)).toEqual(['0.100000', '0.200000', '0.000001']);
    expect(rows[0]?.occurredAt.toISOString()).toBe(at.toISOString());
    expect(rows[0]?.metadata).toEqual({ model: 'claude-sonnet-4' });
    // 0.1 + 0.2 is 0.3 here: the database adds numerics, no float is involved anywhere.
    const [sum] = await tenant.run((orm) =>
      orm.select({ total: sql<string>`sum(${costEvents.costUsd})::text` }).from(costEvents),
    );
    expect(sum?.total).toBe('0.300001');
    expect(await recordCosts(tenant, [])).toEqual([]);
  });

  it('refuses bad input before any SQL: the caller’s transaction stays usable', async () => {
    const bad: [string, unknown][] = [
      ['a float', { service: 'llm', costUsd: 0.1 }],
      ['7 decimals', { service: 'llm', costUsd: '0.0000001' }],
      ['too large', { service: 'llm', costUsd: '1000000.00' }],
      ['negative', { service: 'llm', costUsd: '-0.50' }],
      ['unknown service', { service: 'fax', costUsd: '1.00' }],
      ['fractional tokens', { service: 'llm', costUsd: '1.00', tokensUsed: 1.5 }],
      ['bad conversation id', { service: 'llm', costUsd: '1.00', conversationId: 'abc' }],
      ['bad date', { service: 'llm', costUsd: '1.00', occurredAt: '2025-06-01' }],
    ];
    const before = (await storedEvents(a.tenantId)).length;
    await withTenantContext(db, a, async (tx, scope) => {
      for (const [label, event] of bad) {
        expect(await codeOf(recordCosts(scope, [llm('0.01'), event as CostEventInput])), label).toBe('INVALID_INPUT');
      }
      // Had any of them reached the database, this transaction would be aborted now.
      await tx.select().from(costEvents);
    });
    expect(await storedEvents(a.tenantId)).toHaveLength(before);
    expect(await codeOf(recordCosts(tenantOf(db, a), 'nope' as never))).toBe('INVALID_INPUT');
  });

  it('needs a tenant scope', async () => {
    expect(await codeOf(recordCosts(systemOf(db) as never, [llm('1.00')]))).toBe('TENANT_CONTEXT_MISSING');
  });

  it("joins the caller's transaction: seen inside it, rolled back with it", async () => {
    const before = (await storedEvents(a.tenantId)).length;
    const failed = withTenantContext(db, a, async (tx, scope) => {
      const [row] = await recordCosts(scope, [llm('5.000000')]);
      const seen = await tx.select().from(costEvents).where(eq(costEvents.id, row!.id));
      expect(seen).toHaveLength(1);
      throw new Error('caller fails after recording');
    });
    await expect(failed).rejects.toThrow('caller fails after recording');
    expect(await storedEvents(a.tenantId)).toHaveLength(before);
    // And committed with it when the caller succeeds.
    await withTenantContext(db, a, (_tx, scope) => recordCosts(scope, [llm('5.000000')]));
    expect(await storedEvents(a.tenantId)).toHaveLength(before + 1);
  });

  it("tenant B can neither see tenant A's events nor attach a cost to A's conversation", async () => {
    const conversation = await tenantOf(db, a).tables.conversations.insert({ title: 'Q3', persona: 'cfo' });
    // The reference is valid in A: the same call works there.
    const [ok] = await recordCosts(tenantOf(db, a), [llm('0.01', { conversationId: conversation.id })]);
    expect(ok?.conversationId).toBe(conversation.id);
    const bEvents = (await storedEvents(b.tenantId)).length;
    expect(await codeOf(recordCosts(tenantOf(db, b), [llm('0.01', { conversationId: conversation.id })]))).toBe(
      'CROSS_TENANT_REFERENCE',
    );
    expect(await storedEvents(b.tenantId)).toHaveLength(bEvents);
    // B's own events are stamped with B, and B reads none of A's.
    await recordCosts(tenantOf(db, b), [llm('0.02')]);
    const seenByB = await tenantOf(db, b).tables.costEvents.findMany();
    expect(seenByB.length).toBeGreaterThan(0);
    expect(seenByB.every((r) => r.tenantId === b.tenantId)).toBe(true);
  });
});

describe('recordCost', () => {
  it('takes bigint micro-dollars as exactly as decimal strings; a negative bigint is INVALID_INPUT', async () => {
    const [micro, big] = await recordCosts(tenantOf(db, a), [
      { service: 'embedding', costUsd: 1n },
      { service: 'llm', costUsd: 123_456_789_012n },
    ]);
    expect([micro?.costUsd, big?.costUsd]).toEqual(['0.000001', '123456.789012']);
    expect(await codeOf(recordCosts(tenantOf(db, a), [{ service: 'llm', costUsd: -1n }]))).toBe('INVALID_INPUT');
    // More than numeric(12, 6) holds: refused, not rounded.
    expect(await codeOf(recordCosts(tenantOf(db, a), [{ service: 'llm', costUsd: 10n ** 12n }]))).toBe('INVALID_INPUT');
  });

  it('records one event and returns its row; bad input is INVALID_INPUT with nothing written', async () => {
    const before = (await storedEvents(b.tenantId)).length;
    const row = await recordCost(tenantOf(db, b), { service: 'embedding', costUsd: '0.000130', tokensUsed: 1300 });
    expect([row.tenantId, row.service, row.costUsd, row.tokensUsed]).toEqual([
      b.tenantId,
      'embedding',
      '0.000130',
      1300,
    ]);
    expect(await codeOf(tenantOf(db, b).billing.recordCost({ service: 'llm', costUsd: 0.1 as never }))).toBe(
      'INVALID_INPUT',
    );
    expect(await codeOf(recordCost(systemOf(db) as never, { service: 'llm', costUsd: '0.1' }))).toBe(
      'TENANT_CONTEXT_MISSING',
    );
    expect((await storedEvents(b.tenantId)).length).toBe(before + 1);
  });
});
