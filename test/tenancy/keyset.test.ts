/**
 * keyset(): the one pagination helper on (created_at, id). Pages neither skip nor repeat rows that
 * share a millisecond or one statement's now(); cursors are opaque and HMAC-checked for the list,
 * the tenant and the order, refused before any SQL; values are bound. The exactness is shown
 * failing when the cursor carries a JavaScript Date (milliseconds) instead of the exact timestamp.
 */
import { and, eq, getTableColumns, sql } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { keyset, withTenantContext, type KeysetOptions, type TenantContext } from '../../src/index.ts';
import { moduleInsights } from '../../src/schema/index.ts';
import { createTestDatabase, type TestDatabase, type TestDb } from '../helpers/backend.ts';
import { ownerContext } from '../helpers/tenants.ts';

let t: TestDatabase;
let db: TestDb;
let a: TenantContext;
let b: TenantContext;
/** A's insights in the exact order the database sorts them, newest first; its churn-watch ones. */
let expected: string[];
let expectedChurn: string[];

const LIST = 'module_insights';

beforeAll(async () => {
  t = await createTestDatabase();
  db = t.db;
  a = await ownerContext(db, 'Keyset A');
  b = await ownerContext(db, 'Keyset B');
  await withTenantContext(db, a, async (tx) => {
    // Seven rows of one statement: one created_at (the transaction's now()), ordered by id only.
    await tx
      .insert(moduleInsights)
      .values(Array.from({ length: 7 }, (_, i) => ({ moduleSlug: 'growth-pulse', summary: `same statement ${i}` })));
    // Five rows inside one millisecond, 1 µs apart (a Date cannot tell them apart), and two
    // rows at the exact same microsecond.
    const micro = ['.123401', '.123402', '.123403', '.123404', '.123405', '.123405', '.123405'];
    await tx.insert(moduleInsights).values(
      micro.map((us, i) => ({
        moduleSlug: 'churn-watch',
        summary: `same millisecond ${i}`,
        createdAt: sql`${`2025-06-01T12:00:00${us}Z`}::timestamptz`,
      })),
    );
    await tx.insert(moduleInsights).values({
      moduleSlug: 'churn-watch',
      summary: 'older',
      createdAt: sql`${'2025-05-01T00:00:00Z'}::timestamptz`,
    });
    const rows = await tx
      .select({ id: moduleInsights.id, moduleSlug: moduleInsights.moduleSlug })
      .from(moduleInsights)
      .orderBy(sql`${moduleInsights.createdAt} desc, ${moduleInsights.id} desc`);
    expected = rows.map((r) => r.id);
    expectedChurn = rows.filter((r) => r.moduleSlug === 'churn-watch').map((r) => r.id);
  });
  await withTenantContext(db, b, (tx) =>
    tx.insert(moduleInsights).values({ moduleSlug: 'growth-pulse', summary: 'B only' }),
  );
});
afterAll(async () => {
  await t?.dispose();
});

/** A list API as a module writes one: the helper's pieces in a Drizzle query. */
async function page(ctx: TenantContext, options: Omit<KeysetOptions, 'list' | 'tenantId'>, moduleSlug?: string) {
  const p = keyset(moduleInsights, { list: LIST, tenantId: ctx.tenantId, ...options });
  const rows = await withTenantContext(db, ctx, (tx) =>
    tx
      .select({ ...getTableColumns(moduleInsights), ...p.select })
      .from(moduleInsights)
      .where(
        and(
          eq(moduleInsights.tenantId, ctx.tenantId),
          moduleSlug === undefined ? undefined : eq(moduleInsights.moduleSlug, moduleSlug),
          p.where,
        ),
      )
      .orderBy(...p.orderBy)
      .limit(p.fetch),
  );
  return p.result(rows);
}

async function all(ctx: TenantContext, options: Omit<KeysetOptions, 'list' | 'tenantId' | 'cursor'>) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const r = await page(ctx, { ...options, cursor });
    ids.push(...r.items.map((i) => i.id));
    cursor = r.nextCursor;
    pages++;
  } while (cursor !== null && pages < 100);
  return { ids, pages };
}

const codeOfSync = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (e) {
    return (e as { code?: string }).code ?? 'untyped';
  }
};

describe('keyset', () => {
  it('pages newest first through ties of one statement and of one millisecond: nothing skipped or repeated', async () => {
    expect(expected).toHaveLength(15);
    for (const limit of [1, 2, 3, 4, 7, 14]) {
      const { ids, pages } = await all(a, { limit });
      expect(ids, `limit ${limit}`).toEqual(expected);
      expect(pages).toBe(Math.ceil(15 / limit));
    }
    // One page holding everything: no next cursor; the helper column is not in the items.
    const whole = await page(a, { limit: 15 });
    expect(whole.nextCursor).toBeNull();
    expect(whole.items.map((i) => i.id)).toEqual(expected);
    expect(Object.keys(whole.items[0] ?? {})).not.toContain('keysetCreatedAt');
    expect(whole.items[0]?.createdAt).toBeInstanceOf(Date);
  });

  it('pages oldest first (order: asc) and under a filter', async () => {
    expect((await all(a, { limit: 4, order: 'asc' })).ids).toEqual([...expected].reverse());
    const first = await page(a, { limit: 2 }, 'churn-watch');
    const second = await page(a, { limit: 10, cursor: first.nextCursor }, 'churn-watch');
    expect(second.nextCursor).toBeNull();
    expect([...first.items, ...second.items].map((i) => i.id)).toEqual(expectedChurn);
    expect(second.items.at(-1)?.summary).toBe('older');
  });

  it('a cursor carrying a millisecond Date instead of the exact timestamp would skip rows (the protection removed)', async () => {
    // Page 1 of the millisecond rows ends inside the millisecond; continuing from a Date of that
    // row (what a cursor built from `createdAt` carries) loses the rows after it in that millisecond.
    const first = await page(a, { limit: 2 }, 'churn-watch');
    const last = first.items.at(-1);
    expect(last).toBeDefined();
    const fromDate = await withTenantContext(db, a, (tx) =>
      tx
        .select({ id: moduleInsights.id })
        .from(moduleInsights)
        .where(
          and(
            eq(moduleInsights.tenantId, a.tenantId),
            eq(moduleInsights.moduleSlug, 'churn-watch'),
            sql`(${moduleInsights.createdAt}, ${moduleInsights.id}) < (${(last?.createdAt as Date).toISOString()}::timestamptz, ${last?.id}::uuid)`,
          ),
        ),
    );
    const exact = await page(a, { limit: 10, cursor: first.nextCursor }, 'churn-watch');
    expect(exact.items).toHaveLength(6);
    // The Date is .123 (truncated): all rows of .123401–.123405 compare greater and are skipped.
    expect(fromDate.length).toBe(1);
  });

  it('binds the cursor values as parameters and compares the row tuple', () => {
    const cursor = keyset(moduleInsights, { list: LIST, tenantId: a.tenantId, limit: 1 }).result([
      { id: expected[0] as string, keysetCreatedAt: '2025-06-01T12:00:00.123405Z' },
      { id: expected[1] as string, keysetCreatedAt: '2025-06-01T12:00:00.123404Z' },
    ]).nextCursor;
    const p = keyset(moduleInsights, { list: LIST, tenantId: a.tenantId, cursor, limit: 1 });
    const query = new PgDialect().sqlToQuery(p.where as ReturnType<typeof sql>);
    expect(query.sql).toBe('("module_insights"."created_at", "module_insights"."id") < ($1::timestamptz, $2::uuid)');
    expect(query.params).toEqual(['2025-06-01T12:00:00.123405Z', expected[0]]);
    expect(p.fetch).toBe(2);
  });

  it('refuses a bad limit and every bad, tampered or foreign cursor with INVALID_INPUT, before any SQL', async () => {
    const base = { list: LIST, tenantId: a.tenantId };
    for (const limit of [0, -1, 501, 1.5, Number.NaN, '10' as never]) {
      expect(
        codeOfSync(() => keyset(moduleInsights, { ...base, limit })),
        String(limit),
      ).toBe('INVALID_INPUT');
    }
    expect(keyset(moduleInsights, base).limit).toBe(50);
    expect(keyset(moduleInsights, { ...base, limit: 500 }).fetch).toBe(501);
    const { nextCursor } = await page(a, { limit: 3 });
    const cursor = nextCursor as string;
    const [payload, mac] = cursor.split('.') as [string, string];
    // Hand-edited: another id in the payload, the MAC kept.
    const edited = JSON.parse(Buffer.from(payload, 'base64url').toString()) as unknown[];
    edited[3] = expected[0];
    const forged = `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${mac}`;
    const flipped = `${payload}.${mac.startsWith('A') ? 'B' : 'A'}${mac.slice(1)}`;
    const bad: [string, unknown, Partial<KeysetOptions>?][] = [
      ['garbage', 'not-a-cursor'],
      ['number', 42],
      ['empty', ''],
      ['payload only', payload],
      ['edited payload', forged],
      ['edited mac', flipped],
      ['huge', 'x'.repeat(10_000)],
      ['another list', cursor, { list: 'budget_alerts' }],
      ['another tenant', cursor, { tenantId: b.tenantId }],
      ['another order', cursor, { order: 'asc' }],
    ];
    for (const [label, value, override] of bad) {
      expect(
        codeOfSync(() => keyset(moduleInsights, { ...base, ...override, cursor: value as string })),
        label,
      ).toBe('INVALID_INPUT');
    }
    // The error says what to do.
    expect(() => keyset(moduleInsights, { ...base, cursor: forged, fn: 'listInsights' })).toThrow(
      /^listInsights: cursor was altered.*pass the nextCursor/,
    );
    expect(codeOfSync(() => keyset(moduleInsights, { ...base, tenantId: 'acme' }))).toBe('INVALID_INPUT');
    expect(codeOfSync(() => keyset(moduleInsights, { ...base, order: 'up' as never }))).toBe('INVALID_INPUT');
    // Tenant B's own list does not accept A's cursor, and B sees only its row.
    expect(await page(b, {}).then((r) => r.items.map((i) => i.summary))).toEqual(['B only']);
    expect(codeOfSync(() => keyset(moduleInsights, { list: LIST, tenantId: b.tenantId, cursor }))).toBe(
      'INVALID_INPUT',
    );
  });

  describe('TENANTDB_CURSOR_SECRET', () => {
    const saved = process.env.TENANTDB_CURSOR_SECRET;
    afterEach(() => {
      if (saved === undefined) delete process.env.TENANTDB_CURSOR_SECRET;
      else process.env.TENANTDB_CURSOR_SECRET = saved;
    });
    const issue = () =>
      keyset(moduleInsights, { list: LIST, tenantId: a.tenantId, limit: 1 }).result([
        { id: expected[0] as string, keysetCreatedAt: '2025-06-01T12:00:00.123405Z' },
        { id: expected[1] as string, keysetCreatedAt: '2025-06-01T12:00:00.123404Z' },
      ]).nextCursor as string;
    const accepts = (cursor: string) =>
      codeOfSync(() => keyset(moduleInsights, { list: LIST, tenantId: a.tenantId, cursor })) === undefined;

    it('keys the MAC: a cursor is accepted by every process sharing the secret, refused under another key', () => {
      process.env.TENANTDB_CURSOR_SECRET = 'one shared secret, long enough';
      const shared = issue();
      expect(accepts(shared)).toBe(true);
      process.env.TENANTDB_CURSOR_SECRET = 'another secret, long enough too';
      expect(accepts(shared)).toBe(false);
      // Without the secret, the per-process random key.
      delete process.env.TENANTDB_CURSOR_SECRET;
      expect(accepts(shared)).toBe(false);
      expect(accepts(issue())).toBe(true);
    });

    it('refuses a short secret with CONFIG_INVALID', () => {
      process.env.TENANTDB_CURSOR_SECRET = 'short';
      expect(codeOfSync(issue)).toBe('CONFIG_INVALID');
    });
  });
});
